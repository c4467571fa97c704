// The access lines' own path (src/_format.ts `accessLine`): it writes exactly the line of the
// general path (`formatEntry`), or declines and leaves the line to it, whatever the
// configuration, the context and the request's method, path and route.
import assert from "node:assert/strict";
import { accessLine, formatEntry } from "../src/_format.ts";
import { resolveConfig } from "../src/_config.ts";
import { rootScope, type Scope, setRootFields } from "../src/_storage.ts";
import { jsonString } from "../src/_serialize.ts";
import type { LoggingOptions } from "../mod.ts";
import type { LogLevel } from "../src/levels.ts";

const TIME = Date.UTC(2026, 10, 23, 12, 0, 0, 123);

function scopeWith(fields: Record<string, unknown>): Scope {
  const scope = rootScope("req-1");
  setRootFields(scope.root, fields);
  return scope;
}

const TRACE = {
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  span_id: "00f067aa0ba902b7",
  trace_flags: "01",
};

interface Case {
  name: string;
  options: LoggingOptions;
  context: Record<string, unknown>;
  method: string;
  path: string;
  route?: string;
  /** Whether the access path must take the line (else it may decline). */
  taken: boolean;
}

const CASES: Case[] = [
  { name: "default", options: {}, context: TRACE, method: "GET", path: "/", taken: true },
  {
    name: "service fields and a route",
    options: { service: { name: "api", version: "1.2.3", environment: "prod" } },
    context: { ...TRACE, correlation_id: "c-1", user_id: "u-1" },
    method: "POST",
    path: "/runs/42",
    route: "/runs/:id",
    taken: true,
  },
  {
    name: "a path and a route that need escaping",
    options: {},
    context: TRACE,
    method: "GET",
    path: '/a"b\\c\u2028d\u0085e\u0000',
    route: '/x/"y"\u2029',
    taken: true,
  },
  {
    name: "a context field named like an access field",
    options: {},
    context: { ...TRACE, path: "/mine", "status_code.x": 1 },
    method: "GET",
    path: "/",
    taken: false,
  },
  {
    name: "a redacted access field",
    options: { redact: ["PATH"] },
    context: TRACE,
    method: "GET",
    path: "/secret",
    taken: false,
  },
  ...(["ecs", "otel", "gcp", "datadog"] as const).map((preset) => ({
    name: `preset ${preset}`,
    options: { preset },
    context: TRACE,
    method: "GET",
    path: "/p",
    route: "/p",
    taken: false,
  })),
  {
    name: "logfmt",
    options: { format: "logfmt" },
    context: TRACE,
    method: "GET",
    path: "/",
    taken: false,
  },
  {
    name: "a line over maxLineLength",
    options: { maxLineLength: 300 },
    context: TRACE,
    method: "GET",
    path: `/${"x".repeat(400)}`,
    taken: false,
  },
  {
    name: "fewer keys allowed than an access line has",
    options: { maxKeys: 3 } as LoggingOptions,
    context: TRACE,
    method: "GET",
    path: "/",
    taken: false,
  },
];

Deno.test("accessLine: writes the general path's line, or leaves the line to it", () => {
  for (const c of CASES) {
    const cfg = resolveConfig({ sink: () => {}, ...c.options });
    const scope = scopeWith(c.context);
    const lines: [LogLevel, string, Record<string, unknown>, string][] = [
      ["INFO", `${c.method} ${c.path}`, { method: c.method, path: c.path }, ""],
    ];
    const finish: Record<string, unknown> = { method: c.method, path: c.path };
    if (c.route !== undefined) finish.route = c.route;
    Object.assign(finish, { status_code: 200, duration_ms: 1.25, warn_count: 0 });
    lines.push(["DEBUG", `${c.method} ${c.path} - 200`, finish, ""]);
    for (const [level, message, fields] of lines) {
      const text = Object.entries(fields).map(([k, v]) =>
        `,"${k}":${typeof v === "string" ? jsonString(v) : String(v)}`
      ).join("");
      const fast = accessLine(cfg, scope, level, "http", message, text, TIME);
      const general = formatEntry({
        time: TIME,
        level,
        logger: "http",
        message,
        requestId: scope.root.requestId,
        scope,
        bound: undefined,
        extra: fields,
        span: undefined,
      }, cfg);
      if (c.taken) assert.notEqual(fast, undefined, `${c.name}: the access path declined`);
      if (fast !== undefined) assert.equal(fast, general, c.name);
    }
  }
});
