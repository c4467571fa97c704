/**
 * The conformance app as a Worker module: `export default { fetch }` where
 * `fetch` is the handler wrapped by `withRequestContext`.
 *
 * @module
 */
import { fetchHandler } from "./apps.ts";

export default { fetch: fetchHandler };
