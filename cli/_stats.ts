// Internal: `stats`. Streams: each group keeps counters, a DDSketch (percentiles within its
// relative accuracy, in memory that depends on the spread of the values, not their number)
// and a fixed histogram for the HTML page; the number of groups is capped.

import { DDSketch } from "@datadog/sketches-js";
import type { LogRecord } from "./_read.ts";
import { safeText } from "../src/_pretty.ts";

/** What rows are grouped by. */
export type GroupBy = "endpoint" | "status" | "logger" | "level";

/** The sketch's relative accuracy: a percentile is within 1% of the true value. */
export const RELATIVE_ACCURACY = 0.01;

/** Upper bounds (ms) of the histogram's buckets, the last one open: a 1-2-5 series. */
export const HISTOGRAM_BOUNDS: readonly number[] = [
  0.1,
  0.2,
  0.5,
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  1000,
  2000,
  5000,
  10000,
];

/** Beyond this many groups, new keys are counted under `(other)`, so memory stays bounded. */
export const MAX_GROUPS = 10_000;
const OTHER = "(other)";

interface Group {
  key: string;
  count: number;
  c4xx: number;
  c5xx: number;
  /** How many lines had a status code (the base of the rates). */
  withStatus: number;
  timed: number;
  total: number;
  min: number;
  max: number;
  sketch: DDSketch;
  histogram: number[];
}

/** One row of the result. */
export interface StatsRow {
  key: string;
  /** Requests (endpoint, status) or lines (logger, level). */
  count: number;
  /** Share of the lines with a status code that were 4xx, 5xx (0..1). */
  rate_4xx: number;
  rate_5xx: number;
  /** Lines with a `duration_ms`. */
  timed: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  total_ms: number;
  /** Counts per bucket of {@linkcode HISTOGRAM_BOUNDS}, one more for the open last bucket. */
  histogram: number[];
}

/** Accumulates records one at a time. */
export class Stats {
  readonly #groups = new Map<string, Group>();
  constructor(readonly by: GroupBy) {}

  /** Whether a raw line can matter before it is parsed (a cheap test for the hot loop). */
  wants(line: string): boolean {
    // `status_code`, `http.response.status_code`, `http.status_code`, Google's `httpRequest.status`.
    return this.by === "logger" || this.by === "level" || line.includes("status");
  }

  add(r: LogRecord): void {
    const status = r.num("status_code");
    let key: string | undefined;
    switch (this.by) {
      case "endpoint": {
        const method = r.str("method");
        const where = r.str("route") ?? r.str("path");
        if (status === undefined || method === undefined || where === undefined) return;
        key = `${method} ${where}`;
        break;
      }
      case "status":
        if (status === undefined || r.str("method") === undefined) return;
        key = String(status);
        break;
      case "logger":
        key = r.str("logger") ?? "";
        break;
      case "level":
        key = r.level;
        break;
    }
    const g = this.#group(key);
    g.count++;
    if (status !== undefined) {
      g.withStatus++;
      if (status >= 400 && status < 500) g.c4xx++;
      else if (status >= 500 && status < 600) g.c5xx++;
    }
    const ms = r.num("duration_ms");
    if (ms === undefined || ms < 0) return;
    g.timed++;
    g.total += ms;
    if (ms > g.max) g.max = ms;
    if (ms < g.min) g.min = ms;
    g.sketch.accept(ms);
    let b = 0;
    while (b < HISTOGRAM_BOUNDS.length && ms > HISTOGRAM_BOUNDS[b]) b++;
    g.histogram[b]++;
  }

  #group(key: string): Group {
    let g = this.#groups.get(key);
    if (g !== undefined) return g;
    if (this.#groups.size >= MAX_GROUPS) {
      g = this.#groups.get(OTHER);
      if (g !== undefined) return g;
      key = OTHER;
    }
    g = {
      key,
      count: 0,
      c4xx: 0,
      c5xx: 0,
      withStatus: 0,
      timed: 0,
      total: 0,
      min: Infinity,
      max: 0,
      sketch: new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }),
      histogram: new Array(HISTOGRAM_BOUNDS.length + 1).fill(0),
    };
    this.#groups.set(key, g);
    return g;
  }

  /** The rows, by total time (then count), largest first. */
  rows(): StatsRow[] {
    const rows: StatsRow[] = [];
    for (const g of this.#groups.values()) {
      // Within the sketch's accuracy, and never outside the values seen.
      const q = (p: number) =>
        g.timed === 0 ? null : Math.min(g.max, Math.max(g.min, g.sketch.getValueAtQuantile(p)));
      rows.push({
        key: g.key,
        count: g.count,
        rate_4xx: g.withStatus === 0 ? 0 : g.c4xx / g.withStatus,
        rate_5xx: g.withStatus === 0 ? 0 : g.c5xx / g.withStatus,
        timed: g.timed,
        p50: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
        max: g.timed === 0 ? null : g.max,
        total_ms: g.total,
        histogram: g.histogram,
      });
    }
    return rows.sort((a, b) =>
      b.total_ms - a.total_ms || b.count - a.count || (a.key < b.key ? -1 : 1)
    );
  }
}

const HEAD: Readonly<Record<GroupBy, string>> = {
  endpoint: "ENDPOINT",
  status: "STATUS",
  logger: "LOGGER",
  level: "LEVEL",
};

function ms(v: number | null): string {
  if (v === null) return "-";
  return v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(1) : v.toFixed(2);
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** The rows as an aligned table: the key left-aligned, the figures right-aligned. */
export function statsTable(by: GroupBy, rows: StatsRow[], bold: (s: string) => string): string {
  const head = [
    HEAD[by],
    by === "endpoint" || by === "status" ? "REQUESTS" : "LINES",
    "4XX",
    "5XX",
    "P50_MS",
    "P95_MS",
    "P99_MS",
    "MAX_MS",
    "TOTAL_MS",
  ];
  const body = rows.map((r) => [
    safeText(r.key),
    String(r.count),
    pct(r.rate_4xx),
    pct(r.rate_5xx),
    ms(r.p50),
    ms(r.p95),
    ms(r.p99),
    ms(r.max),
    r.timed === 0 ? "-" : ms(r.total_ms),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join("  ")
      .trimEnd();
  return [bold(line(head)), ...body.map(line)].join("\n");
}
