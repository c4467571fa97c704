/**
 * A synchronous sink: each line is written to stdout, stderr or a file by one
 * blocking `write` before the log call returns, with none of `console.log`'s
 * formatting. Nothing is lost when the process exits right after a line, and it
 * is the cheapest way to write a line on Deno, Node and Bun.
 *
 * The runtime's own file API is chosen when `fdSink` is called, not at import:
 * `Deno.FsFile.writeSync` on Deno, `node:fs` `writeSync` on Node and Bun. On a
 * runtime with neither (Cloudflare Workers) `fdSink` throws at once with a clear
 * message; use the default console sink there.
 *
 * @example Log lines to stdout, synchronously
 * ```ts
 * import { configureLogging, fdSink, getLogger } from "@ctx/request-context";
 *
 * configureLogging({ sink: fdSink(1) });
 * getLogger("app").info("on stdout, written before info() returns");
 * ```
 *
 * @module
 */

import type { SinkObject } from "./sinks.ts";
import {
  type DenoFileLike,
  type DenoLike,
  denoRuntime,
  nodeFs,
  type NodeFsLike,
} from "./_runtime.ts";

/** The sink {@linkcode fdSink} returns: `write` blocks until the line is written. */
export interface FdSink extends SinkObject {
  /** Writes `line` and a newline. Throws when the write fails (the logger reports it once). */
  write(line: string): void;
  /** Nothing to do: every line is written when `write` returns. */
  flush(): void;
  /** Closes the file this sink opened; stdout and stderr are left open. */
  close(): void;
}

/**
 * A sink that writes each line synchronously to `target`: `1` (stdout, the
 * default), `2` (stderr), any other open file descriptor (Node and Bun), or a
 * file path, opened for appending and created if missing (on Deno this needs
 * `--allow-write` for that path).
 *
 * @example Append to a file, and close it at shutdown
 * ```ts ignore
 * // Not run by the docs tests: they may write under .tmp/ only, and a user's path is ./app.log.
 * import { configureLogging, fdSink } from "@ctx/request-context";
 *
 * const sink = fdSink("./app.log");
 * configureLogging({ sink });
 * // …
 * sink.close();
 * ```
 */
export function fdSink(target: number | string = 1): FdSink {
  const deno = denoRuntime();
  if (typeof deno?.openSync === "function") {
    return denoSink(deno as Parameters<typeof denoSink>[0], target);
  }
  const fs = nodeFs();
  if (fs !== undefined) return nodeSink(fs, target);
  throw new TypeError(
    "fdSink needs Deno's file API or node:fs (process.getBuiltinModule); " +
      "this runtime has neither: use the default console sink",
  );
}

function denoSink(
  deno: DenoLike & { openSync: NonNullable<DenoLike["openSync"]> },
  target: number | string,
): FdSink {
  let file: DenoFileLike | undefined;
  if (target === 1) file = deno.stdout;
  else if (target === 2) file = deno.stderr;
  else if (typeof target === "string") {
    file = deno.openSync(target, { write: true, append: true, create: true });
  }
  if (file === undefined) {
    throw new TypeError(`fdSink on Deno takes 1, 2 or a path, not ${String(target)}`);
  }
  return lineWriter(
    (bytes, offset, end) => file.writeSync(bytes.subarray(offset, end)),
    () => {
      if (typeof target === "string") file.close();
    },
  );
}

function nodeSink(fs: NodeFsLike, target: number | string): FdSink {
  const fd = typeof target === "string" ? fs.openSync(target, "a") : target;
  if (!Number.isInteger(fd) || fd < 0) {
    throw new TypeError(`fdSink takes a file descriptor or a path, not ${String(target)}`);
  }
  return lineWriter(
    (bytes, offset, end) => fs.writeSync(fd, bytes, offset, end - offset),
    () => {
      if (typeof target === "string") fs.closeSync(fd);
    },
  );
}

/**
 * Encodes each line into one reused buffer and writes it whole (a short write is
 * continued), so a line costs its encoding and its write, with no allocation.
 */
function lineWriter(
  writeBytes: (bytes: Uint8Array, offset: number, end: number) => number,
  close: () => void,
): FdSink {
  const encoder = new TextEncoder();
  let buffer = new Uint8Array(16384);
  return {
    write(line: string): void {
      const text = line + "\n";
      const first = encoder.encodeInto(text, buffer);
      let written = first.written;
      if (first.read < text.length) {
        buffer = new Uint8Array(text.length * 3);
        written = encoder.encodeInto(text, buffer).written;
      }
      let offset = 0;
      while (offset < written) offset += writeBytes(buffer, offset, written);
    },
    flush(): void {},
    close,
  };
}
