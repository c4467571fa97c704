// Test helpers: a capturing sink and a real server on 127.0.0.1.
import { configureLogging, type LoggingOptions } from "../mod.ts";

/** A parsed JSON log line. */
export type Line = Record<string, unknown>;

/**
 * Captures every line written while it is installed: `using cap = capture()` puts the defaults
 * back when the scope ends (`restore()` does it earlier).
 */
export function capture(options: Omit<LoggingOptions, "sink"> = {}): Disposable & {
  raw: string[];
  lines: () => Line[];
  restore: () => void;
} {
  const raw: string[] = [];
  configureLogging({ level: "DEBUG", ...options, sink: (line) => raw.push(line) });
  const restore = () => configureLogging({});
  return {
    raw,
    lines: () => raw.map((l) => JSON.parse(l) as Line),
    restore,
    [Symbol.dispose]: restore,
  };
}

/**
 * Serves `handler` on 127.0.0.1 on a free port until `close()`, or until the scope of
 * `await using srv = serve(handler)` ends.
 */
export function serve(
  handler: Deno.ServeHandler,
): AsyncDisposable & { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `path` is a file. */
export function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Starts `argv` plus `args` in the repository root, stdout and stderr piped, no stdin. */
export function spawnPiped(argv: string[], args: string[]): Deno.ChildProcess {
  return new Deno.Command(argv[0], {
    args: [...argv.slice(1), ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}
