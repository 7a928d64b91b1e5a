// The stack floor: the raw floor's database work (floor.mjs, the API's own verify statements) behind express 5 with the
// API's front middleware (helmet, the JSON body parser), in a process of its own, driven over loopback by autocannon
// like the API. No mfa-chain code runs in it: no authentication, rate limits, validation, crypto, audit or metrics.
// What it reaches is what any verify built on this stack (express + pg, fixed by the design card) can reach on this
// machine; the API's distance to it is mfa-chain's own cost, its distance to pgbench the stack's.
//
// Used by run.mjs (startStackFloor); `node bench/verify/stack-floor.mjs --serve` is the child it starts.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const ENV = {
  url: "STACK_FLOOR_DATABASE_URL",
  pool: "STACK_FLOOR_POOL_SIZE",
  users: "STACK_FLOOR_USERS",
  tenant: "STACK_FLOOR_TENANT",
  factor: "STACK_FLOOR_FACTOR",
};

/** Starts the stack floor's process; resolves once it listens. `env` is the API's (NODE_ENV, NODE_OPTIONS). */
export async function startStackFloor({ dbUrl, poolSize, users, tenant, factor, env }) {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    env: {
      ...env,
      [ENV.url]: dbUrl,
      [ENV.pool]: String(poolSize),
      [ENV.users]: String(users),
      [ENV.tenant]: tenant,
      [ENV.factor]: factor,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`the stack floor exited with ${code}`)));
  });
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

if (process.argv[2] === "--serve") {
  const { apiFrontApp, apiPackage } = await import("./api-front.mjs");
  const pg = await apiPackage("pg");
  const { apiVerifyStatements } = await import("./api-statements.mjs");
  const { floorTransaction } = await import("./floor.mjs");
  const users = Number(process.env[ENV.users]);
  const sql = await apiVerifyStatements({ tenant: process.env[ENV.tenant], factor: process.env[ENV.factor] });
  const pool = new pg.Pool({
    connectionString: process.env[ENV.url],
    max: Number(process.env[ENV.pool]),
    application_name: "bench-stack-floor",
  });
  const app = await apiFrontApp();
  app.post("/v1/attempts/:attemptId/verify", async (req, res) => {
    const i = Number(req.params.attemptId.slice(1)); // a<i>: the i-th seeded attempt
    await floorTransaction(pool, sql, i, users);
    res.json({ success: true, completed: true, attemptId: req.params.attemptId, factorId: req.body?.factorId ?? null });
  });
  const server = app.listen(0, "127.0.0.1", () => process.send?.(server.address().port));
  process.on("SIGTERM", () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeAllConnections();
  });
}
