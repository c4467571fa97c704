// Internal: the console methods as they were before `patchConsole` replaced them,
// and the one flag that keeps routing from looping.
//
// The module's own writes (the console sink, the stderr fallbacks) go through the
// saved methods. A sink written by the user may call `console` itself
// (`sink: (line) => console.log(line)`, a buffered console target): while any sink
// is writing, `writingOut.depth` is above zero, and the patched methods then go
// straight to the original method. So a line never comes back into the logger,
// never ends up on stderr as a line inside a line, and batches are not merged.

/** The console methods the module writes with or `patchConsole` routes. */
export type ConsoleMethodName = "log" | "info" | "warn" | "error" | "debug";

type ConsoleMethod = (...data: unknown[]) => void;

/** The methods saved by `patchConsole`, while it is in force; empty otherwise. */
export const unpatchedConsole: Partial<Record<ConsoleMethodName, ConsoleMethod>> = {};

/**
 * Above zero while the module is writing out: a sink's `write` or `flush` runs, or a
 * routed console call is being logged. The patched console methods check it and then
 * call the original method. A counter, as writes nest (a buffered sink's target).
 */
export const writingOut: { depth: number } = { depth: 0 };

/** Writes `data` with the console's `method` as it was before any patch. */
export function writeConsole(method: ConsoleMethodName, data: unknown): void {
  const original = unpatchedConsole[method];
  if (original !== undefined) original.call(console, data);
  else console[method](data);
}
