/**
 * The conformance app as a Hono app on Workers (`requestContext()` middleware).
 *
 * @module
 */
import { honoApp } from "./apps.ts";

export default honoApp;
