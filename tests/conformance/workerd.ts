/**
 * The workerd harness (runs on Node): bundles the project's own TypeScript
 * with esbuild and serves it from real workerd through Miniflare's Node API,
 * offline (`cf: false`) on 127.0.0.1.
 *
 * @module
 */
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import type { Readable } from "node:stream";
import type { Running } from "./serve.ts";

/** The compatibility date the Workers run with (the pinned workerd's own date). */
export const COMPATIBILITY_DATE = "2026-04-26";

/** Bundles a Worker entry (path relative to the repository root) into one ES module. */
export async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["node:*"],
    target: "es2022",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

/** Options of {@linkcode startWorker}. */
export interface WorkerOptions {
  /** Compatibility flags, such as `["nodejs_als"]`. */
  flags: string[];
  /** Compatibility date; {@linkcode COMPATIBILITY_DATE} when absent. */
  compatibilityDate?: string;
  /** Receives everything workerd prints (stdout and stderr); printed through when absent. */
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
}

/** Starts a bundled Worker module in workerd on 127.0.0.1 and a random port. */
export async function startWorker(script: string, options: WorkerOptions): Promise<Running> {
  const { onOutput } = options;
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path: "worker.js", contents: script }],
    compatibilityDate: options.compatibilityDate ?? COMPATIBILITY_DATE,
    compatibilityFlags: options.flags,
    host: "127.0.0.1",
    port: 0,
    cf: false,
    handleRuntimeStdio: onOutput
      ? (stdout: Readable, stderr: Readable) => {
        stdout.on("data", (chunk: unknown) => onOutput(String(chunk), "stdout"));
        stderr.on("data", (chunk: unknown) => onOutput(String(chunk), "stderr"));
      }
      : undefined,
  });
  try {
    const url = await mf.ready;
    return { url: url.origin, close: () => mf.dispose() };
  } catch (err) {
    await mf.dispose().catch(() => {});
    throw err;
  }
}
