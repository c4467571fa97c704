// Internal: `--html FILE`: one self-contained page. The data is embedded as JSON (every `<`
// escaped, so no value can close the script element) and a small inline script builds the
// waterfall or the histograms from it with textContent and attributes only. A Content
// Security Policy allows that one script (by its hash) and nothing from the network.

import type { Trace } from "./_trace.ts";
import { BAR_WIDTH, barOf } from "./_trace.ts";
import { HISTOGRAM_BOUNDS, type StatsRow } from "./_stats.ts";

/** What a page shows. */
export type PageData =
  | {
    kind: "trace";
    traceId: string;
    durationMs: number;
    spans: {
      service: string;
      spanId: string;
      parent: string | null;
      name: string;
      depth: number;
      /** Start and width as fractions of the trace. */
      left: number;
      width: number;
      durationMs: number;
      lines: string[];
    }[];
  }
  | { kind: "stats"; by: string; bounds: readonly number[]; rows: StatsRow[] };

/** The page data of a trace; `plain` renders one record without colours. */
export function tracePage(
  trace: Trace,
  plain: (r: Trace["spans"][0]["lines"][0]) => string,
): PageData {
  return {
    kind: "trace",
    traceId: trace.traceId,
    durationMs: trace.end - trace.start,
    spans: trace.spans.map((s) => {
      const { offset, length } = barOf(s, trace);
      return {
        service: s.service,
        spanId: s.spanId,
        parent: s.parent ?? null,
        name: s.name,
        depth: s.depth,
        left: offset / BAR_WIDTH,
        width: length / BAR_WIDTH,
        durationMs: Number.isFinite(s.last - s.first) ? s.last - s.first : 0,
        lines: s.lines.map(plain),
      };
    }),
  };
}

/** The page data of `stats`. */
export function statsPage(by: string, rows: StatsRow[]): PageData {
  return { kind: "stats", by, bounds: HISTOGRAM_BOUNDS, rows };
}

// The page's script: plain DOM calls, no innerHTML, so data is only ever text.
const SCRIPT = `
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const main = document.getElementById("main");
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const fmt = (ms) => ms === null ? "-" : (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2)) + " ms";
if (data.kind === "trace") {
  document.title = "trace " + data.traceId;
  main.append(el("h1", "", "Trace " + data.traceId));
  main.append(el("p", "summary", data.spans.length + " spans, " + fmt(data.durationMs)));
  const w = el("div", "waterfall");
  w.id = "waterfall";
  for (const s of data.spans) {
    const row = el("div", "span-row");
    row.dataset.spanId = s.spanId;
    const label = el("div", "span-label");
    label.style.paddingLeft = (s.depth * 1.2) + "em";
    label.append(el("span", "service", s.service || "-"), el("span", "name", s.name));
    label.append(el("span", "ids", "span " + s.spanId + (s.parent ? " ← " + s.parent : "")));
    const track = el("div", "track");
    const bar = el("div", "span-bar");
    bar.style.left = (s.left * 100) + "%";
    bar.style.width = (s.width * 100) + "%";
    bar.title = fmt(s.durationMs);
    track.append(bar);
    row.append(label, track, el("div", "dur", fmt(s.durationMs)));
    w.append(row);
    const lines = el("details", "span-lines");
    lines.append(el("summary", "", s.lines.length + " lines"), el("pre", "", s.lines.join("\\n")));
    w.append(lines);
  }
  main.append(w);
} else {
  document.title = "stats by " + data.by;
  main.append(el("h1", "", "Latency by " + data.by));
  const table = el("table", "stats");
  table.id = "stats-table";
  const head = el("tr");
  for (const h of [data.by, "requests", "4xx", "5xx", "p50", "p95", "p99", "max", "total"]) {
    head.append(el("th", "", h));
  }
  table.append(head);
  const pct = (v) => (v * 100).toFixed(1) + "%";
  for (const r of data.rows) {
    const tr = el("tr");
    for (const c of [r.key, String(r.count), pct(r.rate_4xx), pct(r.rate_5xx), fmt(r.p50),
      fmt(r.p95), fmt(r.p99), fmt(r.max), fmt(r.total_ms)]) tr.append(el("td", "", c));
    table.append(tr);
  }
  main.append(table);
  const NS = "http://www.w3.org/2000/svg";
  const grid = el("div", "histograms");
  grid.id = "histograms";
  for (const r of data.rows) {
    if (r.timed === 0) continue;
    const fig = el("figure", "histogram");
    fig.dataset.key = r.key;
    fig.append(el("figcaption", "", r.key + " (" + r.timed + ")"));
    const W = 360, H = 120, n = r.histogram.length, bw = W / n;
    const peak = Math.max(1, ...r.histogram);
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + (H + 16));
    svg.setAttribute("width", String(W));
    r.histogram.forEach((count, i) => {
      const h = count === 0 ? 0 : Math.max(2, (count / peak) * H);
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("class", "hist-bar");
      rect.setAttribute("x", String(i * bw + 1));
      rect.setAttribute("y", String(H - h));
      rect.setAttribute("width", String(bw - 2));
      rect.setAttribute("height", String(h));
      rect.dataset.count = String(count);
      const t = document.createElementNS(NS, "title");
      t.textContent = (i < data.bounds.length ? "≤ " + data.bounds[i] : "> " + data.bounds[n - 2]) +
        " ms: " + count;
      rect.append(t);
      svg.append(rect);
      if (i % 3 === 0 && i < data.bounds.length) {
        const label = document.createElementNS(NS, "text");
        label.setAttribute("x", String(i * bw + 1));
        label.setAttribute("y", String(H + 12));
        label.textContent = String(data.bounds[i]);
        svg.append(label);
      }
    });
    fig.append(svg);
    grid.append(fig);
  }
  main.append(grid);
}
document.body.dataset.rendered = "true";
`;

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; }
.waterfall { display: grid; grid-template-columns: minmax(18em, 32em) 1fr 6em; gap: 2px 1em; }
.span-row { display: contents; }
.span-label { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.span-label .service { font-weight: 600; margin-right: .6em; }
.span-label .ids { color: #888; font-size: .8em; margin-left: .6em; font-family: monospace; }
.track { position: relative; background: #f2f2f2; height: 1.2em; }
.span-bar { position: absolute; top: 0; bottom: 0; background: #3b82f6; min-width: 2px; }
.dur { text-align: right; font-variant-numeric: tabular-nums; }
.span-lines { grid-column: 1 / -1; }
.span-lines pre { font-size: 12px; background: #fafafa; padding: .5em; overflow-x: auto; }
table.stats { border-collapse: collapse; margin-bottom: 1.5em; }
table.stats th, table.stats td { padding: .2em .8em; border-bottom: 1px solid #ddd; }
table.stats td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
.histograms { display: flex; flex-wrap: wrap; gap: 1em; }
.histogram { margin: 0; }
.hist-bar { fill: #3b82f6; }
svg text { font-size: 10px; fill: #666; }
`;

/** `<` `>` `&` and the Unicode line separators escaped: JSON that is inert inside `<script>`. */
function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let bin = "";
  for (const b of new Uint8Array(digest)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The whole page. */
export async function renderHtml(data: PageData): Promise<string> {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${await sha256(
    SCRIPT,
  )}'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>request-context logs</title>
<style>${STYLE}</style>
</head>
<body>
<main id="main"></main>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
