// Internal: the console methods as they were before `patchConsole` replaced them.
// The module's own writes (the console sink, the stderr fallbacks) go through these,
// so that routing console calls into the logger can never loop back into it.

/** The console methods the module writes with or `patchConsole` routes. */
export type ConsoleMethodName = "log" | "info" | "warn" | "error" | "debug";

type ConsoleMethod = (...data: unknown[]) => void;

/** The methods saved by `patchConsole`, while it is in force; empty otherwise. */
export const unpatchedConsole: Partial<Record<ConsoleMethodName, ConsoleMethod>> = {};

/** Writes `data` with the console's `method` as it was before any patch. */
export function writeConsole(method: "log" | "error", data: unknown): void {
  const original = unpatchedConsole[method];
  if (original !== undefined) original.call(console, data);
  else console[method](data);
}
