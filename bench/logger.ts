// Logger throughput: the same record in every contender, written one line at a time by a
// synchronous write to /dev/null. Runs on Deno (`deno run`) and Node (`node --import tsx`);
// the contenders are in bench/_logger_cases.ts.
import * as logtape from "@logtape/logtape";
import { pino } from "pino";
import { bufferedSink, configureLogging, fdSink } from "../mod.ts";
import { compare, report } from "./_harness.ts";
import { DEV_NULL, ours, pinoCase, syncCases } from "./_logger_cases.ts";

const sink = fdSink(DEV_NULL);
configureLogging({ level: "INFO", sink });
const pinoSync = pino.destination({ dest: DEV_NULL, sync: true });
report("logger", await compare(await syncCases(sink, pinoSync)));

// Buffered: this module's bufferedSink over the same fdSink, against pino's asynchronous
// destination. Measured apart, since pino's writes go on in the background.
const buffered = bufferedSink(sink, { flushIntervalMs: 0, flushOnExit: false });
configureLogging({ level: "INFO", sink: buffered });
const pinoAsync = pino.destination({ dest: DEV_NULL, sync: false });
report(
  "logger-buffered",
  await compare([
    ours("this module (bufferedSink over fdSink)", "info"),
    pinoCase("pino (destination sync: false)", pinoAsync),
  ]),
);
await buffered.close();
await new Promise<void>((resolve) => {
  pinoAsync.once("close", () => resolve());
  pinoAsync.end();
});
configureLogging({});

await logtape.dispose();
pinoSync.end();
sink.close();
