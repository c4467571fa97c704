/**
 * The conformance app's log capture: every line the module writes, kept in
 * memory so that the HTTP suite can read it back through `/__logs`.
 *
 * @module
 */
import { configureLogging } from "../../mod.ts";

/** Every log line written since the app started, oldest first. */
export const capturedLines: string[] = [];

/** Sends all logging (DEBUG and up, JSON, a request's DEBUG lines held) to {@linkcode capturedLines}. */
export function installCapture(): void {
  configureLogging({
    level: "DEBUG",
    format: "json",
    sink: (line: string) => {
      capturedLines.push(line);
    },
    service: { name: "conformance", version: "1.0.0", environment: "test" },
    // A request's DEBUG lines are held and written only if it fails (the /held route).
    requestBuffer: { level: "DEBUG" },
  });
}

/**
 * The captured lines that contain `needle` (as raw text), as strings.
 *
 * @param needle Text that must appear in the line.
 */
export function linesContaining(needle: string): string[] {
  return capturedLines.filter((line) => line.includes(needle));
}
