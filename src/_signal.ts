// Internal: what a request remembers about its own lines, so that it can write less and
// say more: the count of its WARN+ lines and its annotations (both for the finish line),
// and, when `requestBuffer` or `sample` is configured, the lines it holds until it knows
// whether it failed.
//
// A line of a request is routed by `admit`: written now, held, or dropped. Held lines keep
// what they were logged with (time, fields of the context at that moment, the call's own
// fields) and are formatted only if they are written, so a request that succeeds pays an
// object per held line, not a formatted line.

import { LOG_LEVELS, type LogLevel } from "./levels.ts";
import { parseLevel } from "./_levels.ts";
import { optionOr } from "./_invalid.ts";
import {
  mergedFields,
  newScope,
  patchRoot,
  rootScope,
  type RootState,
  type Scope,
} from "./_storage.ts";
import { activeSpan, type SpanIds } from "./_trace.ts";
import { lineOf } from "./_line.ts";
import type { FormatConfig } from "./_format.ts";
import type { GuardedSink } from "./_sinks.ts";

const WARN = LOG_LEVELS.WARN;
const ERROR = LOG_LEVELS.ERROR;

/** `requestBuffer` as given to `configureLogging`. */
export interface RequestBufferInput {
  level?: LogLevel;
  maxLines?: number;
  flushOnStatus?: number;
}

/** `sample` as given to `configureLogging`. */
export interface SampleInput {
  rate: number;
  keepStatus?: number;
  keepSlowMs?: number;
}

/** `requestBuffer` and `sample` with their defaults applied; absent when both are off. */
export interface SignalConfig {
  /** Lines at this weight and below are held by the request buffer; 0 when it is off. */
  bufferWeight: number;
  maxLines: number;
  flushOnStatus: number;
  sample: SampleConfig | undefined;
}

/** `sample` resolved: the rate and the rejection threshold of the trace id's last 56 bits. */
export interface SampleConfig {
  rate: number;
  /** The threshold `(1 - rate) * 2^56`, split at bit 32: a trace is kept when its value is at least this. */
  high: number;
  low: number;
  keepStatus: number;
  keepSlowMs: number;
}

/**
 * The defaults of `requestBuffer` and `sample` (`RequestBufferOptions`, `SampleOptions`), each
 * declared once; their `@default` tags say the same (tests/defaults.test.ts).
 */
export const SIGNAL_DEFAULTS = {
  level: "DEBUG",
  maxLines: 200,
  flushOnStatus: 500,
  keepStatus: 500,
} as const;

const OWNER = "configureLogging";

/** What `configureLogging` needs from here: the signal part of the configuration. */
export function resolveSignal(
  buffer: RequestBufferInput | undefined,
  sample: SampleInput | undefined,
): SignalConfig | undefined {
  const b = isObject(buffer) ? buffer : undefined;
  const s = isObject(sample) && typeof sample.rate === "number" && !Number.isNaN(sample.rate)
    ? sample
    : undefined;
  if (b === undefined && s === undefined) return undefined;
  // An ERROR line sets the held lines free: holding ERROR itself would hold the trigger.
  const d = SIGNAL_DEFAULTS;
  const level = b === undefined ? undefined : parseLevel(
    optionOr<unknown>(
      OWNER,
      "requestBuffer.level",
      b.level,
      (l) => parseLevel(l) !== undefined,
      d.level,
    ),
  );
  const bufferWeight = level === undefined ? 0 : Math.min(LOG_LEVELS[level], WARN);
  return {
    bufferWeight,
    maxLines: Math.floor(
      optionOr(OWNER, "requestBuffer.maxLines", b?.maxLines, atLeastOne, d.maxLines),
    ),
    flushOnStatus: optionOr(
      OWNER,
      "requestBuffer.flushOnStatus",
      b?.flushOnStatus,
      isStatus,
      d.flushOnStatus,
    ),
    sample: s === undefined ? undefined : resolveSample(s),
  };
}

function resolveSample(s: SampleInput): SampleConfig {
  const rate = Math.min(1, Math.max(0, s.rate));
  const threshold = (1 - rate) * 2 ** 56;
  const high = Math.floor(threshold / 2 ** 32);
  return {
    rate,
    high,
    low: threshold - high * 2 ** 32,
    keepStatus: optionOr(
      OWNER,
      "sample.keepStatus",
      s.keepStatus,
      isStatus,
      SIGNAL_DEFAULTS.keepStatus,
    ),
    keepSlowMs: typeof s.keepSlowMs === "number" && s.keepSlowMs >= 0 ? s.keepSlowMs : Infinity,
  };
}

function isObject<T>(value: T | undefined): value is T {
  return value !== null && typeof value === "object";
}

function atLeastOne(value: unknown): value is number {
  return typeof value === "number" && value >= 1;
}

function isStatus(value: unknown): value is number {
  return typeof value === "number" && !Number.isNaN(value);
}

/**
 * The sampling decision of a trace, the same in every service that has the same rate:
 * OpenTelemetry's consistent probability sampling (TraceIdRatioBased as the specification
 * now defines it) keeps a trace when the last 56 bits of its id, read as a number, are at
 * least `(1 - rate) * 2^56`. A service with a higher rate keeps every trace a lower one does.
 */
export function keepsTrace(traceId: string, s: SampleConfig): boolean {
  const high = parseInt(traceId.slice(18, 24), 16);
  const low = parseInt(traceId.slice(24, 32), 16);
  if (Number.isNaN(high) || Number.isNaN(low)) return true;
  return high > s.high || (high === s.high && low >= s.low);
}

// States of a class of held lines: held, written as they come, or dropped as they come.
const HOLD = 0;
const PASS = 1;
const DROP = 2;
type State = typeof HOLD | typeof PASS | typeof DROP;

/** One held line: what it was logged with. */
interface Held {
  time: number;
  level: LogLevel;
  logger: string;
  bound: Record<string, unknown> | undefined;
  message: unknown;
  extra: Record<string, unknown> | undefined;
  requestId: string;
  /** The context's fields when the line was logged (the root's fields are copy-on-write). */
  fields: Record<string, unknown>;
  span: SpanIds | undefined;
  /** Held because the request was not kept by sampling (else by the request buffer). */
  bySample: boolean;
}

/** The held lines of one request. */
export interface Hold {
  readonly signal: SignalConfig;
  /** Lines at the buffer's level and below. */
  buffer: State;
  /** Lines below WARN of a request sampling did not keep (PASS when it did). */
  sample: State;
  items: Held[];
  /** Index of the oldest line still held in `items`. */
  first: number;
  /** Lines pushed out by newer ones. */
  dropped: number;
}

/**
 * What the HTTP path keeps about a request in its root state (the shared path's `Flight`,
 * in `_http.ts`, is one).
 */
export interface RequestState {
  /** Fields of `annotateRequest`, for the finish line only. */
  annotations: Record<string, unknown> | undefined;
  /** Lines at WARN and above written or held so far. */
  warnCount: number;
  /** The access logger's name: the note on dropped held lines is written under it. */
  readonly logger: string;
  /** Present when `requestBuffer` or `sample` is configured. */
  hold: Hold | undefined;
  /** Set once the finish line is decided: annotations are no longer taken. */
  ended: boolean;
  /** The route pattern the framework matched, for the finish line. */
  route: string | undefined;
  /**
   * Logs an error of the request once (`message` defaults to `"Unhandled error"`). An
   * adapter that runs inside the request reports its errors here.
   */
  report(error: unknown, message?: string): void;
}

/**
 * The held lines of a new request, when `requestBuffer` or `sample` is configured; with
 * sampling on, decides from the trace whether it is kept (and sets the root's `sample_rate`).
 */
export function holdFor(root: RootState, signal: SignalConfig | undefined): Hold | undefined {
  if (signal === undefined) return undefined;
  const s = signal.sample;
  let sample: State = PASS;
  if (s !== undefined) {
    const kept = keptBySampling(root, s);
    if (!kept) sample = HOLD;
    // The lines of a request kept by its trace stand for 1/rate requests; the lines of
    // one that is not kept are written only when sampling would never drop them.
    patchRoot(root, { sample_rate: kept ? s.rate : 1 });
  }
  return { signal, buffer: HOLD, sample, items: [], first: 0, dropped: 0 };
}

/**
 * Kept when the trace is marked sampled (an incoming traceparent, or the active
 * OpenTelemetry span, whose sampler already decided) or its id falls within the rate.
 */
function keptBySampling(root: RootState, s: SampleConfig): boolean {
  const span = activeSpan();
  const traceId = span?.traceId ?? root.fields.trace_id;
  const flags = span?.traceFlags ?? root.fields.trace_flags;
  if (typeof flags === "string" && (parseInt(flags, 16) & 1) === 1) return true;
  return typeof traceId !== "string" || keepsTrace(traceId, s);
}

/**
 * Routes one line of a request. Returns `true` when the caller writes it now; held and
 * dropped lines return `false`. `below`: the line is under the configured level (only the
 * request buffer takes it). `access`: one of the adapter's access lines, never held by the
 * request buffer (sampling still applies).
 */
export function admit(
  req: RequestState,
  scope: Scope,
  cfg: FormatConfig & { sink: GuardedSink },
  level: LogLevel,
  below: boolean,
  access: boolean,
  logger: string,
  bound: Record<string, unknown> | undefined,
  message: unknown,
  extra: Record<string, unknown> | undefined,
  time: number | undefined,
): boolean {
  const weight = LOG_LEVELS[level];
  const hold = req.hold;
  if (hold === undefined) {
    if (below) return false;
    if (weight >= WARN) req.warnCount++;
    return true;
  }
  let state: State;
  let bySample = false;
  if (weight <= hold.signal.bufferWeight && !access) {
    state = hold.buffer;
  } else if (below) {
    return false;
  } else if (weight < WARN && hold.sample !== PASS) {
    state = hold.sample;
    bySample = true;
  } else {
    if (weight >= WARN) req.warnCount++;
    // The request's held lines come first, then its ERROR line.
    if (weight >= ERROR) release(req, scope.root, cfg, true, true);
    return true;
  }
  if (state === DROP) return false;
  if (weight >= WARN) req.warnCount++;
  if (state === PASS) return true;
  const items = hold.items;
  items.push({
    time: time ?? Date.now(),
    level,
    logger,
    bound,
    message,
    extra,
    requestId: scope.root.requestId,
    fields: mergedFields(scope),
    span: activeSpan(),
    bySample,
  });
  if (items.length - hold.first > hold.signal.maxLines) {
    hold.first++;
    hold.dropped++;
    // Compact now and then, so the array does not grow with the lines dropped.
    if (hold.first >= hold.signal.maxLines) {
      hold.items = items.slice(hold.first);
      hold.first = 0;
    }
  }
  return false;
}

/**
 * Writes the held lines of the classes set free (`buffer`: the request buffer's,
 * `sample`: a not-kept request's), in order, with their own timestamps, after a note
 * of how many were dropped when there were too many; lines of those classes logged
 * afterwards are written as they come. Lines of a class not set free stay held.
 */
export function release(
  req: RequestState,
  root: RootState,
  cfg: FormatConfig & { sink: GuardedSink },
  buffer: boolean,
  sample: boolean,
): void {
  const hold = req.hold;
  if (hold === undefined) return;
  buffer = buffer && hold.buffer === HOLD;
  sample = sample && hold.sample === HOLD;
  if (!buffer && !sample) return;
  if (buffer) hold.buffer = PASS;
  if (sample) {
    hold.sample = PASS;
    // Kept for how it went, not by its trace: every request like it is written.
    if (root.fields.sample_rate !== 1) patchRoot(root, { sample_rate: 1 });
  }
  const items = hold.items;
  const kept: Held[] = [];
  let dropped = hold.dropped;
  hold.dropped = 0;
  // One scope per distinct set of fields, so consecutive lines share the rendered context.
  let lastFields: Record<string, unknown> | undefined;
  let lastScope: Scope | undefined;
  for (let i = hold.first; i < items.length; i++) {
    const h = items[i];
    if (h.bySample ? !sample : !buffer) {
      kept.push(h);
      continue;
    }
    if (h.fields !== lastFields) {
      lastFields = h.fields;
      const root = rootScope(h.requestId).root;
      root.fields = h.fields;
      lastScope = newScope(root, undefined, undefined);
    }
    if (dropped > 0) {
      const message = `${dropped} held ${dropped === 1 ? "line" : "lines"} dropped`;
      writeHeld(cfg, lastScope!, {
        ...h,
        level: "WARN",
        logger: req.logger,
        bound: undefined,
        message,
        extra: { dropped_lines: dropped },
        span: undefined,
      });
      dropped = 0;
    }
    writeHeld(cfg, lastScope!, h);
  }
  hold.items = kept;
  hold.first = 0;
  hold.dropped = dropped;
}

/** Writes one held line, formatted now with what it was logged with. */
function writeHeld(cfg: FormatConfig & { sink: GuardedSink }, scope: Scope, h: Held): void {
  const line = lineOf(
    cfg,
    scope,
    h.requestId,
    h.span,
    h.level,
    h.logger,
    h.bound,
    h.message,
    h.extra,
    h.time,
  );
  if (line !== undefined) cfg.sink.write(line, h.level);
}

/**
 * The request has its answer: held lines are written if it failed (`failed`: it threw),
 * reached `flushOnStatus` / `keepStatus`, or (not kept by sampling) took `keepSlowMs` or
 * longer; the rest are dropped, and so are lines of their classes logged from now on (a
 * streamed body's).
 */
export function endRequest(
  req: RequestState,
  root: RootState,
  cfg: FormatConfig & { sink: GuardedSink },
  status: number,
  durationMs: number,
  failed: boolean,
): void {
  req.ended = true;
  const hold = req.hold;
  if (hold === undefined) return;
  const signal = hold.signal;
  const s = signal.sample;
  const buffer = failed || status >= signal.flushOnStatus;
  const sample = failed ||
    (s !== undefined && (status >= s.keepStatus || durationMs >= s.keepSlowMs));
  release(req, root, cfg, buffer, sample);
  if (hold.buffer === HOLD) hold.buffer = DROP;
  if (hold.sample === HOLD) hold.sample = DROP;
  hold.items = [];
  hold.first = 0;
  hold.dropped = 0;
}

/** Whether a request with this configuration needs its start time (for `keepSlowMs`). */
export function needsDuration(signal: SignalConfig | undefined): boolean {
  return signal?.sample !== undefined && signal.sample.keepSlowMs !== Infinity;
}
