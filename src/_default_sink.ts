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

import { consoleSink, type Sink } from "./sinks.ts";
import { denoRuntime, onWorkers, stdoutIsTerminal } from "./_runtime.ts";
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
 * sink writes to a terminal, else `fallback` (`"json"`, `LOGGING_DEFAULTS.format`).
 */
export function resolveFormat(
  option: unknown,
  sinkGiven: boolean,
  readEnv: (name: string) => string | undefined,
  fallback: FormatName,
): FormatName {
  return parseFormat(option) ?? parseFormat(readEnv("LOG_FORMAT")) ??
    (!sinkGiven && stdoutIsTerminal() ? "pretty" : fallback);
}

/**
 * Whether Deno exports telemetry (`OTEL_DENO=true`): from the variable where the process
 * may read it without a prompt, else by asking Deno's tracer for a span, which it refuses
 * ("otel not initialized") when telemetry is off. The span is never ended, so never sent.
 */
function denoOtelOn(readEnv: (name: string) => string | undefined): boolean {
  const deno = denoRuntime();
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
