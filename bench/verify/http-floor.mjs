// The HTTP floor: what express 5 alone costs per request on this machine, to read the API's CPU per verify against.
// A bare app with the API's own front middleware (helmet, the JSON body parser) answers the verify route's request
// with a fixed JSON body: no database, no Redis, no validation, no crypto. autocannon drives it over loopback at the
// bench's concurrency; the app runs in a child process whose utime and stime are read from /proc.
//
//   node bench/verify/http-floor.mjs      (BENCH_SECONDS, 6; BENCH_CONNECTIONS, 32)
//
// Prints only; the figures it printed are quoted in docs/benchmarks.md.
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TICK_MS = 10; // USER_HZ

if (process.argv[2] === "--serve") {
  const { apiFrontApp } = await import("./api-front.mjs");
  const app = await apiFrontApp();
  app.post("/v1/attempts/:attemptId/verify", (req, res) => {
    res.json({ success: true, completed: true, attemptId: req.params.attemptId, factorId: req.body?.factorId ?? null });
  });
  const server = app.listen(0, "127.0.0.1", () => process.send?.(server.address().port));
} else {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { env: { ...process.env, NODE_ENV: "production" } });
  try {
    const port = await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`the app exited with ${code}`)));
    });
    const cpu = () => {
      const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { user: Number(f[11]) * TICK_MS, sys: Number(f[12]) * TICK_MS };
    };
    const load = (duration) =>
      autocannon({
        url: `http://127.0.0.1:${port}/v1/attempts/att_bench/verify`,
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer not-checked-here-at-all" },
        body: JSON.stringify({ factorId: "app", code: "000000" }),
        connections: CONNECTIONS,
        duration,
      });
    await load(2); // warm-up
    const before = cpu();
    const r = await load(SECONDS);
    const after = cpu();
    const n = r.requests.total;
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx responses, ${r.errors} errors`);
    const per = (k) => ((after[k] - before[k]) / n).toFixed(3);
    process.stdout.write(
      `http floor (express 5 + helmet + JSON body, no work), ${CONNECTIONS} connections, ${SECONDS} s: ${Math.round(n / SECONDS)} req/s, ` +
        `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms; CPU per request: user ${per("user")} ms, kernel ${per("sys")} ms\n`,
    );
  } finally {
    child.kill();
  }
}
