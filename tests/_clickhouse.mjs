// ClickHouse in process (npm `chdb`), for tests/store.test.ts. chdb is a Node-API addon: Deno's
// test task (no --allow-ffi) runs this file under Node. It reads one JSON job on stdin, runs it in
// a fresh session (a temporary directory, removed at the end) and writes the results on stdout:
//   { statements: [sql], inserts: [{ table, values, settings }], queries: [{ sql, params }] }
//   -> { results: [[row, ...] per query] }, rows as JSONEachRow objects.
// `values` is the JSONEachRow text inserted as it is (the engine parses it, not JavaScript).
import { Session } from "chdb";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);

const session = new Session();
try {
  for (const sql of job.statements) session.query(sql);
  for (const { table, values, settings } of job.inserts) {
    await session.insert({ table, values, format: "JSONEachRow", settings });
  }
  const results = job.queries.map(({ sql, params }) =>
    session.queryBind(sql, params ?? {}, "JSONEachRow")
      .split("\n")
      .filter((row) => row !== "")
      .map((row) => JSON.parse(row))
  );
  process.stdout.write(JSON.stringify({ results }));
} finally {
  session.close();
}
