// Internal: `trace`: the lines of one trace grouped by span, spans in tree order (a child
// under its parent, siblings by start), and the terminal waterfall.

import type { LogRecord } from "./_read.ts";
import { safeText } from "../src/_pretty.ts";

/** One span of a trace, as its lines show it. */
export interface Span {
  spanId: string;
  /** The parent span id, when the span has one. */
  parent: string | undefined;
  service: string;
  /** The span's request, e.g. `GET /orders/7 - 200` (its finish line's message, else its first's). */
  name: string;
  /** Times (ms since the epoch) of its first and last line. */
  first: number;
  last: number;
  /** Depth in the tree (0 for a root). */
  depth: number;
  lines: LogRecord[];
}

/** A trace: its spans in display order, and its first and last time. */
export interface Trace {
  traceId: string;
  start: number;
  end: number;
  spans: Span[];
  lineCount: number;
}

const NO_SPAN = "-";

/** Groups a trace's records (any order) into spans. */
export function buildTrace(traceId: string, records: LogRecord[]): Trace {
  const sorted = sortByTime(records);
  const bySpan = new Map<string, Span>();
  for (const r of sorted) {
    const id = r.str("span_id") ?? NO_SPAN;
    let span = bySpan.get(id);
    const t = r.time;
    if (span === undefined) {
      span = {
        spanId: id,
        parent: undefined,
        service: "",
        name: "",
        first: t,
        last: t,
        depth: 0,
        lines: [],
      };
      bySpan.set(id, span);
    }
    span.lines.push(r);
    if (Number.isFinite(t)) {
      if (!(t >= span.first)) span.first = t;
      if (!(t <= span.last)) span.last = t;
    }
    span.parent ??= r.str("parent_span_id");
    if (span.service === "") span.service = r.str("service") ?? "";
    if (span.name === "" || r.num("status_code") !== undefined) {
      span.name = r.str("message") ?? span.name;
    }
  }
  // Tree order: roots (no parent, or a parent not in these logs) by start, each followed by
  // its children by start.
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const span of bySpan.values()) {
    const p = span.parent;
    if (p !== undefined && p !== span.spanId && bySpan.has(p)) {
      if (!children.has(p)) children.set(p, []);
      children.get(p)!.push(span);
    } else roots.push(span);
  }
  const byStart = (a: Span, b: Span) => (a.first || 0) - (b.first || 0);
  const spans: Span[] = [];
  const seen = new Set<Span>();
  const visit = (span: Span, depth: number) => {
    if (seen.has(span)) return;
    seen.add(span);
    span.depth = depth;
    spans.push(span);
    for (const c of (children.get(span.spanId) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  for (const root of roots.sort(byStart)) visit(root, 0);
  // A cycle of parents (hand-written logs) leaves spans unvisited: shown as roots.
  for (const span of bySpan.values()) visit(span, 0);
  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    if (Number.isFinite(s.first)) start = Math.min(start, s.first);
    if (Number.isFinite(s.last)) end = Math.max(end, s.last);
  }
  if (!Number.isFinite(start)) start = end = 0;
  return { traceId, start, end, spans, lineCount: records.length };
}

/** Records in time order; equal times (and unreadable ones) keep the order they came in. */
export function sortByTime(records: LogRecord[]): LogRecord[] {
  return records
    .map((r, i) => ({ r, i, t: r.time }))
    .sort((a, b) => (Number.isNaN(a.t) || Number.isNaN(b.t) ? 0 : a.t - b.t) || a.i - b.i)
    .map((x) => x.r);
}

/** The width of a bar at full length, in characters. */
export const BAR_WIDTH = 40;

/** Where a span's bar starts and how long it is, in characters of {@linkcode BAR_WIDTH}. */
export function barOf(span: Span, trace: Trace): { offset: number; length: number } {
  const whole = trace.end - trace.start;
  if (!(whole > 0) || !Number.isFinite(span.first)) return { offset: 0, length: BAR_WIDTH };
  const offset = Math.min(
    BAR_WIDTH - 1,
    Math.floor(((span.first - trace.start) / whole) * BAR_WIDTH),
  );
  const length = Math.max(
    1,
    Math.min(BAR_WIDTH - offset, Math.round(((span.last - span.first) / whole) * BAR_WIDTH)),
  );
  return { offset, length };
}

function duration(ms: number): string {
  return `${Number.isFinite(ms) ? Math.round(ms * 100) / 100 : 0} ms`;
}

/** Colours the waterfall uses; identity functions when colours are off. */
export interface Paint {
  bold(s: string): string;
  bar(s: string): string;
}

/**
 * The waterfall: a header, then per span a row (service, span, parent, name indented by
 * depth, its bar scaled to the trace, its duration) and its lines below, indented.
 */
export function traceText(
  trace: Trace,
  paint: Paint,
  renderLine: (r: LogRecord) => string,
): string {
  const rows = trace.spans.map((s) => {
    const { offset, length } = barOf(s, trace);
    return {
      cells: [
        safeText(s.service || "-"),
        safeText(s.spanId),
        safeText(s.parent ?? "-"),
        "  ".repeat(s.depth) + safeText(s.name),
      ],
      bar: " ".repeat(offset) + "█".repeat(length) + " ".repeat(BAR_WIDTH - offset - length),
      dur: duration(s.last - s.first),
      span: s,
    };
  });
  const head = ["SERVICE", "SPAN", "PARENT", "NAME"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i].length)));
  const pad = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  const total = trace.end - trace.start;
  const out = [
    paint.bold(
      `trace ${safeText(trace.traceId)}: ${trace.spans.length} spans, ${trace.lineCount} lines, ${
        duration(total)
      }`,
    ),
    paint.bold(`${pad(head)}  |${"0 ms".padEnd(BAR_WIDTH - 8)}${duration(total).padStart(8)}|`),
  ];
  for (const row of rows) {
    out.push(`${pad(row.cells)}  |${paint.bar(row.bar)}| ${row.dur}`);
    for (const r of row.span.lines) {
      out.push(renderLine(r).split("\n").map((l) => `    ${l}`).join("\n"));
    }
  }
  return out.join("\n");
}
