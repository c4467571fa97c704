// Internal: what the module does when the process ends, and timers that never keep it alive.

interface DenoLike {
  unrefTimer?(id: number): void;
}

/** The longest delay `setTimeout` takes; a longer one would fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A timeout that does not keep the process (Deno, Node, Bun) alive. */
export function unrefTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const id = setTimeout(fn, ms);
  try {
    if (typeof id === "number") {
      (globalThis as { Deno?: DenoLike }).Deno?.unrefTimer?.(id);
    } else {
      (id as { unref?(): void }).unref?.();
    }
  } catch {
    // a runtime without unref: the timer fires once
  }
  return id;
}
