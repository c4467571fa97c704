// Internal: the one place the module asks which runtime it runs on (Deno, Node, Bun, Cloudflare
// Workers) and reads what only a runtime can tell: environment variables without a permission
// prompt, whether stdout is a terminal, timers that do not keep a process alive, the files and
// signals of a process, the events of its end. Every other file asks here; none reads `Deno`,
// `process` or `navigator` itself. Each accessor never throws: a runtime without the member (or
// a getter that throws) is a runtime without that feature.

/** A file as Deno gives it: `Deno.stdout`, `Deno.stderr`, or one from `Deno.openSync`. */
export interface DenoFileLike {
  writeSync(bytes: Uint8Array): number;
  close(): void;
  isTerminal?(): boolean;
}

/** What the module uses of the `Deno` global; every member may be missing. */
export interface DenoLike {
  pid?: number;
  noColor?: boolean;
  permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } };
  env?: { get(name: string): string | undefined };
  stdout?: DenoFileLike;
  stderr?: DenoFileLike;
  openSync?(path: string, options: { write: true; append: true; create: true }): DenoFileLike;
  unrefTimer?(id: number): void;
  addSignalListener?(signal: string, handler: () => void): void;
  removeSignalListener?(signal: string, handler: () => void): void;
  kill?(pid: number, signal: string): void;
  exit?(code: number): never;
  /** Deno's built-in OpenTelemetry (`OTEL_DENO=true`). */
  telemetry?: {
    tracerProvider?: { getTracer(name: string): { startSpan(name: string): unknown } };
  };
}

/** What the module uses of Node's (and Bun's) `process`; every member may be missing. */
export interface ProcessLike {
  pid?: number;
  env?: Record<string, string | undefined>;
  stdout?: { isTTY?: boolean; writableLength?: number };
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount?(event: string): number;
  kill?(pid: number, signal: string): unknown;
  exit?(code: number): never;
  getBuiltinModule?(name: string): unknown;
}

/** What the module uses of `node:fs` (Node, Bun), from `process.getBuiltinModule`. */
export interface NodeFsLike {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array, offset?: number, length?: number): number;
  closeSync(fd: number): void;
}

/** The global scope's event methods (Deno, browsers, Workers). */
export interface GlobalEventsLike {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener?(type: string, listener: (event: Event) => void): void;
}

type Globals = {
  Deno?: DenoLike;
  process?: ProcessLike;
  navigator?: { userAgent?: unknown };
  addEventListener?: GlobalEventsLike["addEventListener"];
  removeEventListener?: GlobalEventsLike["removeEventListener"];
};

const g = globalThis as Globals;

/** `Deno`, on Deno; else `undefined`. */
export function denoRuntime(): DenoLike | undefined {
  try {
    return g.Deno ?? undefined;
  } catch {
    return undefined;
  }
}

/** `process`, on Node and Bun (Deno has one too: ask {@linkcode denoRuntime} first). */
export function nodeProcess(): ProcessLike | undefined {
  try {
    return g.process ?? undefined;
  } catch {
    return undefined;
  }
}

/** `node:fs`, where `process.getBuiltinModule` gives it (Node 22+, Bun; Deno's process too). */
export function nodeFs(): NodeFsLike | undefined {
  try {
    const fs = nodeProcess()?.getBuiltinModule?.("node:fs") as NodeFsLike | undefined;
    return typeof fs?.writeSync === "function" ? fs : undefined;
  } catch {
    return undefined;
  }
}

/** The global scope's event methods, where it has them. */
export function globalEvents(): GlobalEventsLike | undefined {
  try {
    return typeof g.addEventListener === "function" ? g as GlobalEventsLike : undefined;
  } catch {
    return undefined;
  }
}

let workers: boolean | undefined;

/** Whether this is Cloudflare Workers (workerd), where the console takes objects. */
export function onWorkers(): boolean {
  if (workers === undefined) {
    try {
      workers = g.navigator?.userAgent === "Cloudflare-Workers";
    } catch {
      workers = false;
    }
  }
  return workers;
}

/** An environment variable, where reading it needs no permission prompt and cannot throw. */
export function readEnv(name: string): string | undefined {
  try {
    const deno = denoRuntime();
    if (deno !== undefined) {
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      return state === "granted" ? deno.env?.get(name) : undefined;
    }
    return nodeProcess()?.env?.[name];
  } catch {
    return undefined;
  }
}

/** Deno's `noColor`: `NO_COLOR` as Deno reads it, without a permission. */
export function denoNoColor(): boolean {
  try {
    return denoRuntime()?.noColor === true;
  } catch {
    return false;
  }
}

/** Whether stdout is a terminal: `Deno.stdout.isTerminal()`, `process.stdout.isTTY`. */
export function stdoutIsTerminal(): boolean {
  try {
    const deno = denoRuntime();
    if (deno !== undefined) return deno.stdout?.isTerminal?.() === true;
    if (onWorkers()) return false;
    return nodeProcess()?.stdout?.isTTY === true;
  } catch {
    return false;
  }
}

/** The longest delay `setTimeout` takes; a longer one would fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A timeout that does not keep the process (Deno, Node, Bun) alive. */
export function unrefTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const id = setTimeout(fn, ms);
  try {
    if (typeof id === "number") denoRuntime()?.unrefTimer?.(id);
    else (id as { unref?(): void }).unref?.();
  } catch {
    // a runtime without unref: the timer fires once
  }
  return id;
}

/** Writes bytes to stdout: the count written, or `-1` when stdout would block. */
export type TryWrite = (bytes: Uint8Array, offset: number, end: number) => number;

export interface Output {
  tryWrite: TryWrite;
  /** Node: whether the `process.stdout` stream still queues output of its own. */
  busyStream(): boolean;
}

/** stdout of this runtime, for `stdoutSink`, or `undefined` where there is none (Workers, a browser). */
export function stdout(): Output | undefined {
  if (onWorkers()) return undefined; // workerd's node:fs is no way to its log
  try {
    const deno = denoRuntime()?.stdout;
    if (deno !== undefined && typeof deno.writeSync === "function") {
      const out = deno;
      return {
        tryWrite(bytes, offset, end) {
          try {
            return out.writeSync!(bytes.subarray(offset, end));
          } catch (e) {
            if ((e as { name?: unknown })?.name === "WouldBlock") return -1;
            throw e;
          }
        },
        busyStream: () => false,
      };
    }
    const proc = nodeProcess();
    const fs = nodeFs();
    if (proc === undefined || typeof fs?.writeSync !== "function") return undefined;
    return {
      tryWrite(bytes, offset, end) {
        try {
          return fs.writeSync(1, bytes, offset, end - offset);
        } catch (e) {
          if ((e as { code?: unknown })?.code === "EAGAIN") return -1;
          throw e;
        }
      },
      busyStream: () => (proc.stdout?.writableLength ?? 0) > 0,
    };
  } catch {
    return undefined;
  }
}
