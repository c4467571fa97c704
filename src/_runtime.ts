// Internal: the one place the module asks which runtime it runs on (Deno, Node, Bun, Cloudflare
// Workers) and reads what only a runtime can tell: environment variables without a permission
// prompt, whether stdout is a terminal, timers that do not keep a process alive.

let workers: boolean | undefined;

/** Whether this is Cloudflare Workers (workerd), where the console takes objects. */
export function onWorkers(): boolean {
  if (workers === undefined) {
    const nav = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
    workers = nav?.userAgent === "Cloudflare-Workers";
  }
  return workers;
}

interface DenoLike {
  permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } };
  env: { get(name: string): string | undefined };
}

/** An environment variable, where reading it needs no permission prompt and cannot throw. */
export function readEnv(name: string): string | undefined {
  try {
    const deno = (globalThis as { Deno?: DenoLike }).Deno;
    if (deno !== undefined) {
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      return state === "granted" ? deno.env.get(name) : undefined;
    }
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env;
    return env?.[name];
  } catch {
    return undefined;
  }
}

/** Deno's `noColor`: `NO_COLOR` as Deno reads it, without a permission. */
export function denoNoColor(): boolean {
  try {
    return (globalThis as { Deno?: { noColor?: boolean } }).Deno?.noColor === true;
  } catch {
    return false;
  }
}

/** Whether stdout is a terminal. */
export function stdoutIsTerminal(): boolean {
  try {
    const g = globalThis as {
      Deno?: { stdout?: { isTerminal?(): boolean } };
      process?: { stdout?: { isTTY?: boolean } };
    };
    if (g.Deno !== undefined) return g.Deno.stdout?.isTerminal?.() === true;
    return g.process?.stdout?.isTTY === true;
  } catch {
    return false;
  }
}
