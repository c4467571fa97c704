// Internal: the sink and the format used when `configureLogging` is given none.
//
// The sink follows where lines must go to be seen:
// - Cloudflare Workers: `consoleSink`, one console call per line through the method of its
//   level (Workers Logs indexes each call's object).
// - Deno with its built-in OpenTelemetry on (`OTEL_DENO=true`): `consoleSink` too, as Deno
//   exports console calls only; lines written to stdout directly would bypass it.
// - Deno, Node and Bun otherwise: `stdoutSink()`, lines gathered and written once per
//   event-loop turn. One instance for the process, whatever the number of configure calls.
// - Anything else (a browser): `consoleSink`.
// The format: `LOG_FORMAT` when set, else pretty lines for the default sink writing to a
// terminal, else JSON (a sink given by the user included).

import { consoleSink, onWorkers, type Sink } from "./sinks.ts";
import { stdoutSink } from "./stdout_sink.ts";

/** The formats a user may choose, by option or `LOG_FORMAT`. */
export type FormatName = "json" | "logfmt" | "pretty";

let shared: Sink | undefined;

/** The sink used when none is given: see the notes above. */
export function defaultSink(readEnv: (name: string) => string | undefined): Sink {
  if (onWorkers()) return consoleSink;
  if (denoOtelOn(readEnv)) return consoleSink;
  return shared ??= stdoutSink();
}

/** A format name, case-insensitive; `undefined` for anything else. */
export function parseFormat(value: unknown): FormatName | undefined {
  if (typeof value !== "string") return undefined;
  const name = value.trim().toLowerCase();
  return name === "json" || name === "logfmt" || name === "pretty" ? name : undefined;
}

/**
 * The format in force: the option, else `LOG_FORMAT`, else `"pretty"` when the default
 * sink writes to a terminal, else `"json"`.
 */
export function resolveFormat(
  option: unknown,
  sinkGiven: boolean,
  readEnv: (name: string) => string | undefined,
): FormatName {
  return parseFormat(option) ?? parseFormat(readEnv("LOG_FORMAT")) ??
    (!sinkGiven && stdoutIsTerminal() ? "pretty" : "json");
}

/** Whether stdout is a terminal: `Deno.stdout.isTerminal()`, `process.stdout.isTTY`. */
export function stdoutIsTerminal(): boolean {
  try {
    const g = globalThis as {
      Deno?: { stdout?: { isTerminal?(): boolean } };
      process?: { stdout?: { isTTY?: boolean } };
    };
    if (g.Deno !== undefined) return g.Deno.stdout?.isTerminal?.() === true;
    if (onWorkers()) return false;
    return g.process?.stdout?.isTTY === true;
  } catch {
    return false;
  }
}

interface DenoTelemetry {
  telemetry?: {
    tracerProvider?: { getTracer(name: string): { startSpan(name: string): unknown } };
  };
}

/**
 * Whether Deno exports telemetry (`OTEL_DENO=true`): from the variable where the process
 * may read it without a prompt, else by asking Deno's tracer for a span, which it refuses
 * ("otel not initialized") when telemetry is off. The span is never ended, so never sent.
 */
function denoOtelOn(readEnv: (name: string) => string | undefined): boolean {
  const deno = (globalThis as { Deno?: DenoTelemetry }).Deno;
  if (deno === undefined) return false;
  const value = readEnv("OTEL_DENO");
  if (value !== undefined) return value === "true" || value === "1";
  try {
    deno.telemetry?.tracerProvider?.getTracer("@ctx/request-context").startSpan("probe");
    return deno.telemetry?.tracerProvider !== undefined;
  } catch {
    return false;
  }
}
