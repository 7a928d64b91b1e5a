// Verify over HTTP: load on POST /v1/attempts/{attemptId}/verify with one and with two API processes sharing one real
// PostgreSQL database, next to the raw floor measured in the same run (the same transaction on the bare `pg` driver,
// at the same concurrency). Loopback only; every measurement is bounded in time and in request count.
//
//   pnpm bench:verify            (= node bench/verify/run.mjs, from the repository root)
//
// Tunables (environment): BENCH_SECONDS (10), BENCH_PACED_SECONDS (20, the paced run: long enough that one stall of
// the shared machine is not the p99 by itself), BENCH_CONNECTIONS (32), BENCH_POOL_SIZE (8, DATABASE_POOL_SIZE of the
// API process and the floor's pool; half of it for each of two API processes), BENCH_API=dist|source (dist: built with turbo first; falls back to source when the
// build fails), BENCH_SKIP_BUILD=1, BENCH_KEEP_DB=1 (keep the bench's database to inspect), BENCH_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_REDIS_URL (redis://127.0.0.1:6379/9), BENCH_CPU_PROF=<dir> (CPU profile of the single API process),
// BENCH_NO_WRITE=1 (print only; do not touch docs/benchmarks.md), BENCH_PACED_RATE (req/s of the paced run; default ½ of
// the saturated rate of that run), BENCH_QUICK=1 (only the 32-connection run of one process and its CPU per verify and
// peak RSS, printed: to compare two builds while working on the hot path; writes nothing).
//
// Writes the "Verify over HTTP" section of docs/benchmarks.md. Never prints the API key or any secret or code.
import { spawn, spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import autocannon from "autocannon";
import pg from "pg";
import { apiVerifyStatements } from "./api-statements.mjs";
import { floorTransaction } from "./floor.mjs";
import { startStackFloor } from "./stack-floor.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const API_DIR = join(ROOT, "apps/api");
const DOC = join(ROOT, "docs/benchmarks.md");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20);
const PACED_WARMUP_SECONDS = 2; // of the paced run, at its rate, not measured
/** How the paced run is generated; runs measured another way do not count among its consecutive runs. */
const PACED_GENERATOR = "worker thread";
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 8);
const POOL_SIZE_EACH_OF_TWO = Math.max(1, Math.ceil(POOL_SIZE / 2));
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
// A database index of its own, so the bench's rate-limit counters never touch anyone else's keys.
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/9";
const STARTED = Date.now();
const DEADLINE_MS = 10 * 60_000; // hard stop for the whole run
const QUICK = process.env.BENCH_QUICK === "1";
/** node flags for the API processes, to try V8 settings (BENCH_NODE_ARGS="--max-semi-space-size=4"); none by default. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
/** The NODE_OPTIONS the image runs the API with (Dockerfile, `ENV NODE_OPTIONS=…`): the API processes run with them too. */
const DEPLOYED_NODE_OPTIONS = /^(?:ENV\s+)?\s*NODE_OPTIONS=(\S+)/m.exec(readFileSync(join(ROOT, "Dockerfile"), "utf8"))?.[1] ?? "";
const PERIOD_MS = 30_000;
const DUP_EVERY = 40; // one in 40 first-round items is also submitted twice more (same attempt; another attempt)
const TENANT = "bench";
const POLICY = "bench";
const FACTOR = "app";

const log = (line) => process.stdout.write(`bench: ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const elapsed = () => ((Date.now() - STARTED) / 1000).toFixed(0);

// ---------------------------------------------------------------------------------------------------------- cleanup
const children = new Set(); // { proc, name }
let benchDb = null;
let cleaning = null;

async function stopChild(child, signal = "SIGTERM") {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return children.delete(child);
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill(signal);
  const timedOut = await Promise.race([exited.then(() => false), sleep(8_000).then(() => true)]);
  if (timedOut) {
    proc.kill("SIGKILL");
    await exited;
  }
  children.delete(child);
}

async function dropDatabase() {
  if (!benchDb) return;
  const name = benchDb;
  benchDb = null;
  if (process.env.BENCH_KEEP_DB === "1") return log(`kept database ${name} (BENCH_KEEP_DB=1): drop it when done`);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
    await admin.query(`drop database if exists "${name}" with (force)`);
    log(`dropped database ${name}`);
  } catch (error) {
    process.stderr.write(`bench: could not drop database ${name}: ${error.message}\n`);
  } finally {
    await admin.end().catch(() => {});
  }
}

function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => stopChild(c)));
    await dropDatabase();
  })();
  return cleaning;
}

process.on("exit", () => {
  for (const { proc } of children) if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, cleaning up\n`);
    cleanup().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: over ${DEADLINE_MS / 60_000} minutes, giving up\n`);
  cleanup().finally(() => process.exit(3));
}, DEADLINE_MS);
watchdog.unref();

// ------------------------------------------------------------------------------------------------------------- TOTP
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function decodeBase32(text) {
  const clean = text.replace(/=+$/, "").toUpperCase();
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error("bad base32");
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
/** RFC 6238 / 4226: HMAC-SHA1, 6 digits, for one time step. */
function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, "0");
}
const stepNow = () => Math.floor(Date.now() / PERIOD_MS);

// ----------------------------------------------------------------------------------------------------- processes
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function pnpmCommand() {
  const probe = spawnSync("pnpm", ["--version"], { stdio: "ignore" });
  return probe.status === 0 ? ["pnpm", []] : ["npx", ["--yes", "pnpm@10.34.8"]];
}

function build() {
  const [cmd, pre] = pnpmCommand();
  log("building the API and its workspace dependencies (turbo, cached when unchanged)");
  const r = spawnSync(cmd, [...pre, "exec", "turbo", "run", "build", "--filter", "@mfa-chain/api...", "--output-logs=errors-only"], {
    cwd: ROOT,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    encoding: "utf8",
    timeout: 180_000,
  });
  if (r.status !== 0) {
    process.stderr.write(`${(r.stdout ?? "").slice(-2000)}${(r.stderr ?? "").slice(-2000)}\n`);
    return false;
  }
  return existsSync(join(API_DIR, "dist/main.js")) && existsSync(join(API_DIR, "dist/cli.js"));
}

/** node arguments for one of the API's entry points (main or cli), built or from source. */
function entry(mode, name) {
  return mode === "dist"
    ? [join(API_DIR, `dist/${name}.js`)]
    : ["--conditions=@mfa-chain/source", "--import", "tsx", join(API_DIR, `src/${name}.ts`)];
}

function apiEnv(dbUrl, secretKeys, codeHashKey, extra = {}) {
  return {
    ...process.env,
    DATABASE_URL: dbUrl,
    MFA_SECRET_KEYS: secretKeys,
    MFA_CODE_HASH_KEY: codeHashKey,
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    MFA_DEMO: "false",
    MFA_DEV_CODES: "false",
    REDIS_URL,
    RATE_LIMIT_PER_IP: "100000000",
    RATE_LIMIT_PER_KEY: "100000000",
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    NODE_ENV: "production",
    NODE_OPTIONS: [process.env.NODE_OPTIONS, DEPLOYED_NODE_OPTIONS].filter(Boolean).join(" "),
    ...extra,
  };
}

/** Runs the CLI's create-tenant and returns the admin key (the last line of its output), kept in memory only. */
function createTenantKey(mode, env) {
  const r = spawnSync(process.execPath, [...entry(mode, "cli"), "create-tenant", TENANT], {
    cwd: API_DIR,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`create-tenant failed (exit ${r.status}): ${(r.stderr ?? "").slice(-1000)}`);
  const key = r.stdout.trim().split("\n").at(-1)?.trim() ?? "";
  if (!/^[A-Za-z0-9_-]{20,200}$/.test(key)) throw new Error("create-tenant did not print a key on its last line");
  return key;
}

async function startApi(name, mode, env, extraNodeArgs = []) {
  const port = await freePort();
  const proc = spawn(process.execPath, [...extraNodeArgs, ...entry(mode, "main")], {
    cwd: API_DIR,
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = { proc, name, port, url: `http://127.0.0.1:${port}`, tail: "" };
  children.add(child);
  const keep = (chunk) => {
    child.tail = (child.tail + chunk.toString()).slice(-4000);
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}: ${child.tail}`);
    try {
      const res = await fetch(`${child.url}/readyz`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${name} not ready after 60 s: ${child.tail}`);
}

function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { hwm: kib("VmHWM") / 1024, rss: kib("VmRSS") / 1024 };
  } catch {
    return { hwm: NaN, rss: NaN };
  }
}

// ------------------------------------------------------------------------------------------------------ CPU time
const TICK_MS = 10; // USER_HZ: /proc reports CPU time in 1/100 s on Linux

/** utime and stime of one process, in ms (0 when it is gone). */
function cpuSplitOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]) * TICK_MS, sys: Number(fields[12]) * TICK_MS };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** utime + stime of one process, in ms (0 when it is gone). */
function cpuMsOf(pid) {
  const { user, sys } = cpuSplitOf(pid);
  return user + sys;
}

/** Pids of every process whose command name is `comm` (the local PostgreSQL server's backends, Redis). */
function pidsNamed(comm) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === comm) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * What a PostgreSQL process is, from the title it sets (`postgres: 15/main: walwriter`, `… postgres mfa_bench 127.0.0.1(5) idle`):
 * the client backends (the API's connections and the bench's), or one of the server's own workers.
 */
function postgresRoleOf(pid) {
  let title = "";
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "other";
  }
  if (/autovacuum (worker|launcher)/.test(title)) return "autovacuum";
  if (/walwriter/.test(title)) return "WAL writer";
  if (/checkpointer|background writer/.test(title)) return "checkpointer and background writer";
  if (/\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]/.test(title)) return "client backends";
  return "other";
}
const POSTGRES_ROLES = ["client backends", "autovacuum", "WAL writer", "checkpointer and background writer", "other"];

/** A CPU snapshot of the API processes, the bench process itself, PostgreSQL and Redis. */
function cpuSnapshot(apiPids) {
  const pg = pidsNamed("postgres");
  const redis = pidsNamed("redis-server");
  const self = process.cpuUsage();
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return {
    at: performance.now(),
    machine: { busy: (user + nice + system + irq + softirq) * TICK_MS, idle: (idle + iowait) * TICK_MS, steal: steal * TICK_MS },
    api: apiPids.reduce((n, pid) => n + cpuMsOf(pid), 0),
    apiSys: apiPids.reduce((n, pid) => n + cpuSplitOf(pid).sys, 0), // the kernel's share: socket reads and writes
    bench: (self.user + self.system) / 1000,
    postgres: new Map(pg.map((pid) => [pid, cpuMsOf(pid)])),
    postgresSys: new Map(pg.map((pid) => [pid, cpuSplitOf(pid).sys])),
    postgresRole: new Map(pg.map((pid) => [pid, postgresRoleOf(pid)])),
    redis: redis.reduce((n, pid) => n + cpuMsOf(pid), 0),
  };
}

/** CPU ms per request of each part between two snapshots (PostgreSQL: backends alive at the end, minus their start). */
function cpuPerRequest(before, after, requests) {
  let postgres = 0;
  const postgresBy = Object.fromEntries(POSTGRES_ROLES.map((role) => [role, 0]));
  for (const [pid, ms] of after.postgres) {
    const spent = ms - (before.postgres.get(pid) ?? 0);
    postgres += spent;
    postgresBy[after.postgresRole.get(pid) ?? "other"] += spent / requests;
  }
  let postgresSys = 0;
  for (const [pid, ms] of after.postgresSys) postgresSys += ms - (before.postgresSys.get(pid) ?? 0);
  const wallMs = after.at - before.at;
  const parts = { api: after.api - before.api, bench: after.bench - before.bench, postgres, redis: after.redis - before.redis };
  const per = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v / requests]));
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const machine = Object.fromEntries(Object.keys(after.machine).map((k) => [k, (after.machine[k] - before.machine[k]) / wallMs]));
  return {
    per,
    postgresBy,
    postgresSysPer: postgresSys / requests,
    apiSysPer: (after.apiSys - before.apiSys) / requests,
    busyCores: total / wallMs,
    machine,
    parts,
    wallMs,
  };
}

// --------------------------------------------------------------------------------------------------------- HTTP calls
function client(baseUrl, key) {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, json };
  };
}

/** Runs `work(i)` for i in [0, n) with `width` in flight. */
async function parallel(n, width, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** Enrolls and confirms `n` users (spread over the given API clients); each credential confirms a step < now. */
async function provisionUsers(apis, prefix, n) {
  const users = new Array(n);
  await parallel(n, 24, async (i) => {
    const call = apis[i % apis.length];
    const userId = `${prefix}-${i}`;
    const enrolled = await call("POST", `/v1/users/${userId}/factors`, { policyId: POLICY, factorId: FACTOR });
    if (enrolled.status !== 201) throw new Error(`enroll: HTTP ${enrolled.status} ${enrolled.json?.code ?? ""}`);
    const secret = decodeBase32(enrolled.json.secret);
    const credentialId = enrolled.json.factor.id;
    // Confirm with the previous step, so both the current and the next step stay free for the measurement.
    let step = stepNow() - 1;
    let confirmed = await call("POST", `/v1/users/${userId}/factors/${credentialId}/confirm`, { code: totpAt(secret, step) });
    if (confirmed.status === 200 && confirmed.json?.confirmed === false) {
      // Crossed a 30 s boundary in between: confirm with the current step instead.
      step = stepNow();
      confirmed = await call("POST", `/v1/users/${userId}/factors/${credentialId}/confirm`, { code: totpAt(secret, step) });
    }
    if (confirmed.status !== 200 || confirmed.json?.confirmed !== true)
      throw new Error(`confirm: HTTP ${confirmed.status} ${confirmed.json?.code ?? ""}`);
    users[i] = { userId, credentialId, secret, lastStep: step }; // lastStep: the highest step this credential may have used
  });
  return users;
}

/** Starts `n` attempts for the given user indices. */
async function startAttempts(apis, users, userIndices) {
  const ids = new Array(userIndices.length);
  await parallel(userIndices.length, 24, async (i) => {
    const call = apis[i % apis.length];
    const r = await call("POST", "/v1/attempts", { userId: users[userIndices[i]].userId, policyId: POLICY });
    if (r.status !== 201) throw new Error(`start attempt: HTTP ${r.status} ${r.json?.code ?? ""}`);
    if (r.json.currentFactor?.id !== FACTOR) throw new Error("unexpected first factor");
    ids[i] = r.json.attemptId;
  });
  return ids;
}

/**
 * A verify workload: per user, two rounds (the time steps S and S+1), all users' first round before any second round,
 * so each credential sees its steps in increasing order. Every DUP_EVERY-th first-round item is also submitted again
 * on the same attempt and on a second attempt of the same user, right next to the original, so the replay guard and
 * the attempt's compare-and-set are raced under load. Attempts are started here; codes are computed by assignCodes.
 */
async function prepareWorkload(apis, users, maxItems) {
  const plan = []; // { user, round, kind, attemptId, step, body }
  for (let round = 0; round < 2 && plan.length < maxItems; round++) {
    for (let u = 0; u < users.length && plan.length < maxItems; u++) {
      plan.push({ user: u, round, kind: "first" });
      if (round === 0 && u % DUP_EVERY === 0) {
        plan.push({ user: u, round, kind: "same-attempt" });
        plan.push({ user: u, round, kind: "other-attempt" });
      }
    }
  }
  const needAttempt = plan.filter((p) => p.kind !== "same-attempt");
  const ids = await startAttempts(
    apis,
    users,
    needAttempt.map((p) => p.user),
  );
  let k = 0;
  let last = null;
  for (const p of plan) {
    p.attemptId = p.kind === "same-attempt" ? last : ids[k++];
    if (p.kind === "first") last = p.attemptId;
  }
  return plan;
}

/**
 * Computes the codes right before a measurement: round 0 uses the current step S, round 1 the next step S+1. Both stay
 * valid (window ±1) until step S+2 begins, at least 30 s from now, longer than a measurement. A credential that may
 * already have used S (confirmed with it, or used by an earlier measurement) keeps only what is left: S+1 for its
 * round-1 item, or nothing. Every assigned step counts as used from here on.
 */
function assignCodes(plan, users) {
  const s = stepNow();
  const out = [];
  for (const p of plan) {
    const user = users[p.user];
    p.step = s + p.round;
    if (p.step <= user.lastStep) continue;
    p.body = JSON.stringify({ factorId: FACTOR, code: totpAt(user.secret, p.step) });
    out.push(p);
  }
  for (const p of out) users[p.user].lastStep = Math.max(users[p.user].lastStep, p.step);
  return out;
}

/** Waits until every given credential has both the current and the next step unused (so none of its items is dropped). */
async function untilFreshStep(users) {
  const need = users.reduce((m, u) => Math.max(m, u.lastStep), 0) + 1;
  const wait = need * PERIOD_MS - Date.now();
  if (wait > 0) {
    log(`[${elapsed()} s] waiting ${(wait / 1000).toFixed(1)} s for a time step these credentials have not used`);
    await sleep(wait + 50);
  }
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : NaN);

/**
 * Runs one autocannon instance per target, all pulling from one shared queue, for `seconds` or until the queue runs
 * low. Returns merged figures from every response (exact percentiles, not an average of per-instance ones).
 */
/** One sample of a Prometheus metric from the API's /metrics (the first series whose labels contain `labels`). */
async function scrapeMetric(url, name, labels = "") {
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if ((rest.startsWith(" ") && labels === "") || (rest.startsWith("{") && rest.includes(labels))) return Number(line.split(" ").at(-1));
  }
  return Number.NaN;
}

/** What the API's own Node.js metrics say of a run: event-loop delay (reset at each scrape) and garbage collection. */
async function runtimeDuring(url, run) {
  const gc = async () => ({
    majorSum: await scrapeMetric(url, "nodejs_gc_duration_seconds_sum", 'kind="major"'),
    majorCount: await scrapeMetric(url, "nodejs_gc_duration_seconds_count", 'kind="major"'),
  });
  await fetch(`${url}/metrics`).then((r) => r.text()); // resets the event-loop delay histogram
  const before = await gc();
  const result = await run();
  const lagMax = await scrapeMetric(url, "nodejs_eventloop_lag_max_seconds");
  const lagP99 = await scrapeMetric(url, "nodejs_eventloop_lag_p99_seconds");
  const after = await gc();
  const majorCount = (after.majorCount || 0) - (before.majorCount || 0);
  const majorMs = ((after.majorSum || 0) - (before.majorSum || 0)) * 1000;
  return { result, runtime: { lagMaxMs: lagMax * 1000, lagP99Ms: lagP99 * 1000, majorCount, majorMs } };
}

/**
 * An open-loop load at a steady rate: request i is due at start + i / rate, whatever happened to the others, over at
 * most `connections` keep-alive connections. Latency runs from the moment a request was due (so time spent waiting for
 * a free connection counts: no coordinated omission). autocannon's own rate limit releases each second's quota in a
 * burst at the start of the second, which measures queueing behind that burst rather than the service.
 */
async function loadPaced(target, key, plan, connections, rate, seconds, db, warmup = PACED_WARMUP_SECONDS) {
  // The first `warmup` seconds run at the same rate but are not measured: the agent opens its connections then, as a
  // client already in service would have them open (their outcomes still count for the double-acceptance check).
  const count = Math.min(plan.length, Math.floor(rate * warmup) + Math.floor(rate * seconds));
  const items = plan.slice(0, count).map(({ attemptId, body }) => ({ attemptId, body }));
  const server = serverSampler(db);
  const { latencies, timeline, outcomes, wall, generatorLagMaxMs, startedAtMs } = await new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./paced-generator.mjs", import.meta.url), {
      workerData: { url: target.url, key, items, connections, rate, warmup },
    });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the paced generator ended (exit ${code}) without its figures`)));
  });
  latencies.sort((a, b) => a - b);
  // Where the slowest 1 % fell in time: clustered (a stall) or spread out (steady queueing).
  const slow = [...timeline]
    .sort((x, y) => y[1] - x[1])
    .slice(0, Math.max(1, Math.floor(timeline.length / 100)))
    .sort((x, y) => x[0] - y[0]);
  log(
    `paced run: slowest ${slow.length} at ${slow
      .map(([t, ms]) => `${t.toFixed(2)}s/${ms.toFixed(0)}ms`)
      .join(" ")}; generator's event loop delayed up to ${generatorLagMaxMs.toFixed(1)} ms`,
  );
  const samples = await server.stop();
  const serverSide = serverBySecond(samples, timeline, startedAtMs, seconds);
  log(`paced run, second by second: ${serverSide.line}`);
  return { latencies, outcomes, wall, generatorLagMaxMs, server: serverSide };
}

/**
 * What the server did during the paced run, sampled every 100 ms: WAL written (pg_current_wal_insert_lsn) and whether
 * the checkpointer was spreading a checkpoint's writes (its wait event), to set beside the slow requests of each second.
 */
function serverSampler(db) {
  const samples = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { rows } = await db.query(
          `select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 as wal,
            pg_size_bytes(current_setting('wal_segment_size'))::float8 as segment_bytes,
            exists (select 1 from pg_stat_activity where backend_type = 'checkpointer' and wait_event = 'CheckpointWriteDelay') as checkpointing`,
        );
        samples.push({ at: Date.now(), wal: rows[0].wal, segmentBytes: rows[0].segment_bytes, checkpointing: rows[0].checkpointing });
      } catch {
        // a missed sample is a gap in the table, not a failed run
      }
      await sleep(100);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

function serverBySecond(samples, timeline, startedAtMs, seconds) {
  const cells = [];
  const checkpointSeconds = [];
  let checkpointing = 0;
  let walMbMax = 0;
  let walMbSum = 0;
  let walSeconds = 0;
  for (let s = 0; s < Math.ceil(seconds); s++) {
    const from = startedAtMs + s * 1000;
    const inside = samples.filter((x) => x.at >= from && x.at < from + 1000);
    const before = samples.filter((x) => x.at < from).at(-1);
    const last = inside.at(-1);
    const walMb = before && last ? (last.wal - before.wal) / 2 ** 20 : NaN;
    const spreading = inside.some((x) => x.checkpointing);
    if (spreading) checkpointing += 1;
    if (!Number.isNaN(walMb)) {
      walMbMax = Math.max(walMbMax, walMb);
      walMbSum += walMb;
      walSeconds += 1;
    }
    // A checkpoint began in this second: a sample not checkpointing followed by one that is.
    const seq = before ? [before, ...inside] : inside;
    if (seq.some((x, i) => i > 0 && x.checkpointing && !seq[i - 1].checkpointing)) checkpointSeconds.push(s);
    // The server moved on to a new WAL segment file (16 MiB each by default) in this second.
    const segment = (x) => Math.floor(x.wal / x.segmentBytes);
    const newSegment = before && last && segment(last) !== segment(before);
    const slow = timeline.filter(([t, ms]) => t >= s && t < s + 1 && ms >= 50).length;
    const notes = [spreading ? "checkpointing" : "", newSegment ? "new WAL segment" : ""].filter(Boolean).join(", ");
    cells.push(
      `${s}s ${Number.isNaN(walMb) ? "?" : walMb.toFixed(1)} MB WAL${notes ? ` (${notes})` : ""}${slow ? `, ${slow} ≥ 50 ms` : ""}`,
    );
  }
  return { line: cells.join(" · "), checkpointSeconds, checkpointing, walMbMax, walMbMean: walMbSum / Math.max(1, walSeconds) };
}

async function loadVerify(targets, key, plan, connections, seconds) {
  let next = 0;
  const perTarget = Math.max(1, Math.floor(connections / targets.length));
  const usable = plan.length - connections - 1; // setupRequest must never run dry (autocannon throws on a falsy request)
  const latencies = [];
  const outcomes = []; // per plan index: { status, success }
  const instances = targets.map((t, ti) => {
    const amount = Math.max(perTarget, Math.floor(usable / targets.length));
    const instance = autocannon({
      url: t.url,
      connections: perTarget,
      pipelining: 1,
      amount,
      timeout: 10,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      requests: [
        {
          method: "POST",
          setupRequest: (req, context) => {
            const i = next++;
            const item = plan[i];
            context.i = i;
            return { ...req, method: "POST", path: `/v1/attempts/${item.attemptId}/verify`, body: item.body };
          },
          onResponse: (status, body, context) => {
            let success = false;
            if (status === 200) {
              try {
                success = JSON.parse(body).success === true;
              } catch {
                success = false;
              }
            }
            outcomes[context.i] = { status, success, target: ti };
          },
        },
      ],
    });
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    return instance;
  });
  const started = performance.now();
  let lastAt = started;
  for (const instance of instances) instance.on("response", () => (lastAt = performance.now()));
  const timer = setTimeout(() => instances.forEach((i) => i.stop()), seconds * 1000);
  const results = await Promise.all(instances);
  clearTimeout(timer);
  const wall = (lastAt - started) / 1000;
  latencies.sort((a, b) => a - b);
  const errors = results.reduce((n, r) => n + r.errors + r.timeouts, 0);
  return { latencies, outcomes, wall, errors, results };
}

/** Double acceptances: success:true responses beyond one per (credential, time step), and beyond one per attempt. */
function tally(plan, outcomes) {
  const perPair = new Map();
  const perAttempt = new Map();
  const statuses = {};
  let responses = 0;
  let successes = 0;
  let dupSubmitted = 0;
  let dupAccepted = 0;
  for (const [i, o] of outcomes.entries()) {
    if (!o) continue;
    responses++;
    statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    const p = plan[i];
    if (p.kind !== "first") dupSubmitted++;
    if (!o.success) continue;
    successes++;
    if (p.kind !== "first") dupAccepted++;
    const pair = `${p.user}:${p.step}`;
    perPair.set(pair, (perPair.get(pair) ?? 0) + 1);
    perAttempt.set(p.attemptId, (perAttempt.get(p.attemptId) ?? 0) + 1);
  }
  const excess = (m) => [...m.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  // Every duplicate group (original + 2 copies) should yield exactly one success when all three were answered.
  return {
    responses,
    successes,
    distinctPairs: perPair.size,
    doubleByStep: excess(perPair),
    doubleByAttempt: excess(perAttempt),
    dupSubmitted,
    dupAccepted,
    statuses,
  };
}

/** Server-side cross-check: per user, step_succeeded audit events vs. distinct time steps the bench submitted. */
async function auditCheck(pool, users, plan, since) {
  const stepsPerUser = new Map();
  for (const p of plan) {
    const id = users[p.user].userId;
    if (!stepsPerUser.has(id)) stepsPerUser.set(id, new Set());
    stepsPerUser.get(id).add(p.step);
  }
  const { rows } = await pool.query(
    "select user_id, count(*)::int as n from audit_events where tenant_id = $1 and type = 'attempt.step_succeeded' and at >= $2 group by user_id",
    [TENANT, new Date(since)],
  );
  let recorded = 0;
  let excess = 0;
  for (const r of rows) {
    const allowed = stepsPerUser.get(r.user_id)?.size ?? 0;
    recorded += r.n;
    excess += Math.max(0, r.n - allowed);
  }
  return { recorded, excess };
}

// ------------------------------------------------------------------------------------------------------- raw floor
// The statements the API runs for one successful verify that completes a one-step attempt (packages/infra-postgres,
// repositories/step.repository.ts), taken from the built repository (api-statements.mjs): the optimistic read (the
// attempt, the user's failure counter, the credential and its material, without locks) and the guarded write (the
// attempt and the counter locked where they are still what was read, the claim of the time step, the attempt's
// compare-and-set, two audit events), each committed on its own: two round trips, as named prepared statements like
// the API's (packages/infra-postgres, database/prepared.ts).
const FLOOR_TENANT = "rawfloor";

/**
 * Like a database in service, past the bulk load that set the run up: first the API processes' background work for
 * the thousands of enrollments and attempts just made drains (the security notices of new factors in the outbox, the
 * audit sealer's backlog), which would otherwise run during the measurement and be charged to the verifies; then the
 * tables the verify touches are vacuumed and analyzed, so that the measurement is not of a table without statistics or
 * of autovacuum catching up with the bulk load. A verify's own events are still sealed during the measurement.
 */
async function settle(pool) {
  const started = performance.now();
  const backlog = async () =>
    (
      await pool.query(
        `select (select count(*) from notification_outbox where processed_at is null) as notices,
                (select count(*) from audit_events e
                  where not exists (select 1 from audit_seals s where s.tenant_id = e.tenant_id and s.seq = e.seq)) as unsealed`,
      )
    ).rows[0];
  let left = await backlog();
  while ((Number(left.notices) > 0 || Number(left.unsealed) > 0) && performance.now() - started < SETTLE_MAX_MS) {
    await sleep(250);
    left = await backlog();
  }
  if (Number(left.notices) > 0 || Number(left.unsealed) > 0)
    log(`settle: after ${SETTLE_MAX_MS / 1000} s still ${left.notices} notices unsent and ${left.unsealed} audit events unsealed`);
  await pool.query(
    "vacuum (analyze) attempts, credentials, otp_secrets, lockouts, audit_events, audit_seals, audit_seal_cursors, notification_outbox, users",
  );
  return (performance.now() - started) / 1000;
}
const SETTLE_MAX_MS = 60_000;

async function seedFloor(pool, users, attempts) {
  await pool.query(
    `insert into credentials (tenant_id, id, user_id, factor_id, label, status, type, params, last_time_step, counter, created_at, confirmed_at)
     select $1, 'c' || g, 'u' || g, $2, 'App', 'active', 'totp', '{"type":"totp","algorithm":"SHA1","digits":6,"period":30}', 0, 0, now(), now()
     from generate_series(0, $3 - 1) g`,
    [FLOOR_TENANT, FACTOR, users],
  );
  await pool.query(
    `insert into otp_secrets (tenant_id, credential_id, secret_key_id, secret_ciphertext)
     select $1, 'c' || g, 'bench', decode(repeat('ab', 48), 'hex') from generate_series(0, $2 - 1) g`,
    [FLOOR_TENANT, users],
  );
  await pool.query(
    `insert into lockouts (tenant_id, user_id, consecutive_failures, lock_count, locked_until, updated_at)
     select $1, 'u' || g, 0, 0, null, now() from generate_series(0, $2 - 1) g`,
    [FLOOR_TENANT, users],
  );
  await pool.query(
    `insert into attempts (tenant_id, id, user_id, policy_id, policy_version, chain, eligible, cursor, status, version, created_at, expires_at)
     select $1, 'a' || g, 'u' || (g % $3), $4, 1, $5, $5, 0, 'active', 1, now(), now() + interval '10 minutes'
     from generate_series(0, $2 - 1) g`,
    [FLOOR_TENANT, attempts, users, POLICY, JSON.stringify([FACTOR])],
  );
  await settle(pool);
}

/** `snapshot`, if given, runs before the pool closes: its backends' CPU is only readable while they live. */
async function loadFloor(dbUrl, sql, workers, seconds, users, attempts, offset, snapshot = () => null) {
  const pool = new pg.Pool({ connectionString: dbUrl, max: POOL_SIZE, application_name: "bench-floor" });
  try {
    let next = offset;
    const end = offset + attempts;
    const latencies = [];
    const started = performance.now();
    const stopAt = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < end && performance.now() < stopAt) {
          const i = next++;
          const t = performance.now();
          await floorTransaction(pool, sql, i, users);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    const cpuEnd = snapshot();
    latencies.sort((a, b) => a - b);
    return { latencies, wall, count: latencies.length, exhausted: next >= end, cpuEnd };
  } finally {
    await pool.end();
  }
}

/**
 * The stack floor (stack-floor.mjs) under autocannon: `connections` in flight, each request the verify of seeded
 * attempt i for i in [from, to), in order; any answer but 200 fails the run (the floor's statements must succeed).
 */
async function loadStack(stack, connections, seconds, from, to) {
  let next = from;
  const latencies = [];
  let failed = 0;
  const instance = autocannon({
    url: stack.url,
    connections,
    pipelining: 1,
    amount: to - from - connections - 1, // setupRequest must never run dry
    timeout: 10,
    headers: { "content-type": "application/json" },
    requests: [
      {
        method: "POST",
        setupRequest: (req) => ({
          ...req,
          method: "POST",
          path: `/v1/attempts/a${next++}/verify`,
          body: '{"factorId":"app","code":"000000"}',
        }),
        onResponse: (status) => {
          if (status !== 200) failed++;
        },
      },
    ],
  });
  const started = performance.now();
  let lastAt = started;
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
    lastAt = performance.now();
  });
  const timer = setTimeout(() => instance.stop(), seconds * 1000);
  const result = await instance;
  clearTimeout(timer);
  if (failed > 0 || result.errors + result.timeouts > 0)
    throw new Error(`stack floor: ${failed} answers other than 200, ${result.errors} errors, ${result.timeouts} timeouts`);
  latencies.sort((a, b) => a - b);
  return { latencies, wall: (lastAt - started) / 1000, count: latencies.length, exhausted: next >= to - connections - 1 };
}

// ------------------------------------------------------------------------------------------------- pgbench limit
// The physical limit: PostgreSQL's own load generator (pgbench, Debian's postgresql-client) on the same server, running
// a minimal transaction of the verify's shape with prepared statements — begin; one statement locking an attempt, a
// failure counter and a credential (three `select … for update` in one `with`); one statement updating the attempt and
// the credential and inserting two audit rows; commit. It runs on copies of the API's tables (same columns, indexes and
// constraints: `like … including all`) in a schema of its own, one row set per client, so it neither waits on another
// client's locks nor leaves events for the API's audit sealer.
const PGBENCH_SCHEMA = "pgbench_limit";
const PGBENCH_ROWS = 64; // ≥ the clients of any run
const PGBENCH_SCRIPT = `begin;
with a as (select id, user_id, version from ${PGBENCH_SCHEMA}.attempts where tenant_id = 'pgbench' and id = 'a' || :client_id::text for update),
  l as (select consecutive_failures from ${PGBENCH_SCHEMA}.lockouts where tenant_id = 'pgbench' and user_id = 'u' || :client_id::text for update),
  c as (select id, last_time_step from ${PGBENCH_SCHEMA}.credentials where tenant_id = 'pgbench' and id = 'c' || :client_id::text for update)
  select * from a, l, c;
with att as (update ${PGBENCH_SCHEMA}.attempts set version = version + 1 where tenant_id = 'pgbench' and id = 'a' || :client_id::text returning id),
  cr as (update ${PGBENCH_SCHEMA}.credentials set last_time_step = last_time_step + 1 where tenant_id = 'pgbench' and id = 'c' || :client_id::text returning id),
  ev as (insert into ${PGBENCH_SCHEMA}.audit_events (tenant_id, at, type, actor_kind, actor_id, user_id, attempt_id, factor_id, data)
    values ('pgbench', now(), 'attempt.step_succeeded', 'api_key', 'k', 'u' || :client_id::text, 'a' || :client_id::text, '${FACTOR}', '{"step":1}'),
           ('pgbench', now(), 'attempt.completed', 'api_key', 'k', 'u' || :client_id::text, 'a' || :client_id::text, null, '{"steps":1}'))
  select (select count(*) from att) as updated, (select count(*) from cr) as claimed;
commit;
`;

async function seedPgbench(pool) {
  await pool.query(`create schema ${PGBENCH_SCHEMA}`);
  for (const table of ["attempts", "lockouts", "credentials", "audit_events"])
    await pool.query(`create table ${PGBENCH_SCHEMA}.${table} (like public.${table} including all)`);
  const s = PGBENCH_SCHEMA;
  await pool.query(
    `insert into ${s}.credentials (tenant_id, id, user_id, factor_id, label, status, type, params, last_time_step, counter, created_at, confirmed_at)
     select 'pgbench', 'c' || g, 'u' || g, $1, 'App', 'active', 'totp', '{"type":"totp","algorithm":"SHA1","digits":6,"period":30}', 0, 0, now(), now() from generate_series(0, $2 - 1) g`,
    [FACTOR, PGBENCH_ROWS],
  );
  await pool.query(
    `insert into ${s}.lockouts (tenant_id, user_id, consecutive_failures, lock_count, locked_until, updated_at)
     select 'pgbench', 'u' || g, 0, 0, null, now() from generate_series(0, $1 - 1) g`,
    [PGBENCH_ROWS],
  );
  await pool.query(
    `insert into ${s}.attempts (tenant_id, id, user_id, policy_id, policy_version, chain, eligible, cursor, status, version, created_at, expires_at)
     select 'pgbench', 'a' || g, 'u' || g, $1, 1, $2, $2, 0, 'active', 1, now(), now() + interval '10 minutes' from generate_series(0, $3 - 1) g`,
    [POLICY, JSON.stringify([FACTOR]), PGBENCH_ROWS],
  );
  await pool.query(`vacuum (analyze) ${s}.attempts, ${s}.lockouts, ${s}.credentials, ${s}.audit_events`);
}

/** One pgbench run; null (with the reason logged) when pgbench is not installed or fails. */
function runPgbench(dbUrl, clients, seconds) {
  const script = join(tmpdir(), `mfa-bench-pgbench-${process.pid}.sql`);
  writeFileSync(script, PGBENCH_SCRIPT);
  const r = spawnSync(
    "pgbench",
    ["-n", "-M", "prepared", "-c", String(clients), "-j", String(Math.min(clients, 2)), "-T", String(seconds), "-f", script, dbUrl],
    { encoding: "utf8", timeout: (seconds + 30) * 1000 },
  );
  rmSync(script, { force: true });
  if (r.error || r.status !== 0) {
    log(`pgbench (${clients} clients) did not run: ${r.error?.message ?? (r.stderr || r.stdout).trim().split("\n").slice(-1)[0]}`);
    return null;
  }
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1]);
  const failed = Number(/number of failed transactions: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const count = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1]);
  if (!Number.isFinite(tps) || failed > 0) {
    log(`pgbench (${clients} clients): ${failed} failed transactions or no tps in its output`);
    return null;
  }
  return { tps, latency, count, seconds };
}

/** PostgreSQL's own counters for the bench database: transactions, and rows written and index scans per table. */
async function dbActivity(pool) {
  const {
    rows: [database],
  } = await pool.query(
    `select xact_commit + xact_rollback as xacts, blks_hit + blks_read as blocks,
       pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0') as wal from pg_stat_database where datname = current_database()`,
  );
  const { rows } = await pool.query(
    `select relname, n_tup_ins as ins, n_tup_upd as upd, n_tup_hot_upd as hot, n_tup_del as del, coalesce(idx_scan, 0) as idx, seq_scan as seq
     from pg_stat_user_tables`,
  );
  return {
    xacts: Number(database.xacts),
    blocks: Number(database.blocks),
    wal: Number(database.wal),
    tables: new Map(rows.map((r) => [r.relname, r])),
  };
}

/**
 * What changed between two dbActivity snapshots, per verify: "2.0 transactions, 14 blocks, 2,100 bytes of WAL; attempts
 * upd 1.0 (hot 0.9) …". The WAL is the whole server's (other databases' writes too, if any ran).
 */
function activityPerVerify(before, after, verifies) {
  const per = (a, b) => (Number(b) - Number(a)) / verifies;
  const parts = [];
  for (const [name, t] of after.tables) {
    const was = before.tables.get(name) ?? { ins: 0, upd: 0, hot: 0, del: 0, idx: 0, seq: 0 };
    const f = ["ins", "upd", "del", "idx", "seq"]
      .map((k) => [k, per(was[k], t[k])])
      .filter(([, v]) => v >= 0.005)
      .map(([k, v]) => `${k} ${fmt(v, 2)}${k === "upd" ? ` (hot ${fmt(per(was.hot, t.hot), 2)})` : ""}`);
    if (f.length > 0) parts.push(`${name} ${f.join(" ")}`);
  }
  return `${fmt(per(before.xacts, after.xacts), 2)} transactions, ${fmt(per(before.blocks, after.blocks), 1)} blocks touched, ${fmt(per(before.wal, after.wal), 0)} bytes of WAL; ${parts.join("; ")}`;
}

// -------------------------------------------------------------------------------------------------------- reporting
const fmt = (n, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
const figures = (latencies, count, wall) => ({
  rps: count / wall,
  p50: percentile(latencies, 0.5),
  p99: percentile(latencies, 0.99),
  count,
  wall,
});

async function main() {
  const mode0 = process.env.BENCH_API ?? "dist";
  let mode = mode0;
  if (mode === "dist" && process.env.BENCH_SKIP_BUILD !== "1" && !build()) {
    log("the build failed; running the API from source (tsx) instead");
    mode = "source";
  }
  if (mode === "dist" && !existsSync(join(API_DIR, "dist/main.js"))) mode = "source";
  log(`API from ${mode === "dist" ? "apps/api/dist (built)" : "source via tsx"}`);

  // A fresh database of our own on the local server.
  benchDb = `mfa_bench_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${benchDb}"`);
  await admin.end();
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${benchDb}`;
  const DB_URL = dbUrl.toString();
  log(`database ${benchDb}`);
  const secretKeys = `bench:${randomBytes(32).toString("base64")}`; // in memory and the children's environment only
  const codeHashKey = randomBytes(32).toString("base64"); // likewise
  const env = apiEnv(DB_URL, secretKeys, codeHashKey);
  const db = new pg.Pool({ connectionString: DB_URL, max: 4, application_name: "bench-check" });

  try {
    // ---- phase 1: one API process
    const profDir = process.env.BENCH_CPU_PROF;
    const profArgs = profDir ? (mkdirSync(profDir, { recursive: true }), ["--cpu-prof", `--cpu-prof-dir=${profDir}`]) : [];
    const a = await startApi("api-1", mode, env, [...NODE_ARGS, ...profArgs]); // runs the migrations
    const key = createTenantKey(mode, env);
    const callA = client(a.url, key);
    const policy = await callA("POST", "/v1/policies", {
      id: POLICY,
      name: POLICY,
      mode: "fixed",
      requiredSteps: 1,
      factors: [{ id: FACTOR, label: "App", type: "totp" }],
      lockout: { maxFailures: 100 },
    });
    if (policy.status !== 201) throw new Error(`create policy: HTTP ${policy.status} ${policy.json?.code ?? ""}`);

    // Warm-up (JIT, pools, caches) and a first estimate of the rate, which sizes the measured pool.
    let t = performance.now();
    const warmUsers = await provisionUsers([callA], "w", 320);
    const warm = assignCodes(await prepareWorkload([callA], warmUsers, 640), warmUsers);
    log(
      `[${elapsed()} s] warm-up: ${warm.length} verifies for ${warmUsers.length} users prepared in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const warmRun = await loadVerify([a], key, warm, CONNECTIONS, 2);
    const warmRate = warmRun.latencies.length / warmRun.wall;
    log(`[${elapsed()} s] warm-up: ${fmt(warmRate, 0)} req/s over ${warmRun.latencies.length} requests`);

    // Sized for SECONDS at 1.25× the expected rate (two verifies per user and 30 s), within limits.
    const sizeFor = (rate) => Math.min(16_000, Math.max(1_000, Math.ceil(rate * SECONDS * 1.25)));

    // 1 connection: latency without queueing.
    const oneUsers = await provisionUsers([callA], "one", 240);
    const one = assignCodes(await prepareWorkload([callA], oneUsers, 480), oneUsers);
    const oneRun = await loadVerify([a], key, one, 1, Math.min(3, SECONDS));
    const oneFig = figures(oneRun.latencies, oneRun.latencies.length, oneRun.wall);
    log(
      `[${elapsed()} s] 1 process, 1 connection: ${fmt(oneFig.rps, 0)} req/s, p50 ${fmt(oneFig.p50, 2)} ms, p99 ${fmt(oneFig.p99, 2)} ms`,
    );

    // 32 connections on one process.
    const n1 = sizeFor(warmRate);
    t = performance.now();
    const users1 = await provisionUsers([callA], "p1", Math.ceil(n1 / 2));
    const plan1 = await prepareWorkload([callA], users1, n1);
    log(
      `[${elapsed()} s] prepared ${plan1.length} verifies for ${users1.length} users in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    log(`[${elapsed()} s] background work of the set-up drained, tables vacuumed in ${fmt(await settle(db), 1)} s`);
    const w1 = assignCodes(plan1, users1); // after the settling, which may take a time step or two
    const since1 = Date.now();
    const activity1 = await dbActivity(db);
    const window1 = process.hrtime.bigint();
    const cpu1a = cpuSnapshot([a.proc.pid]);
    const run1 = await loadVerify([a], key, w1, CONNECTIONS, SECONDS);
    const cpu1 = cpuPerRequest(cpu1a, cpuSnapshot([a.proc.pid]), run1.latencies.length);
    const window1End = process.hrtime.bigint();
    const fig1 = figures(run1.latencies, run1.latencies.length, run1.wall);
    const tally1 = tally(w1, run1.outcomes);
    const mem1 = [memoryOf(a.proc.pid)];
    log(
      `[${elapsed()} s] 1 process, ${CONNECTIONS} connections: ${fmt(fig1.rps, 0)} req/s, p50 ${fmt(fig1.p50, 2)} ms, p99 ${fmt(fig1.p99, 2)} ms, peak RSS ${fmt(mem1[0].hwm)} MiB`,
    );
    await sleep(300); // let abandoned in-flight verifies finish before reading the audit trail
    const audit1 = await auditCheck(db, users1, w1, since1);
    if (profDir) {
      // The measured window on the monotonic clock (µs), to cut the API's CPU profile to the 32-connection run.
      writeFileSync(join(profDir, "window.json"), JSON.stringify({ startUs: Number(window1 / 1000n), endUs: Number(window1End / 1000n) }));
    }
    if (QUICK) {
      // BENCH_QUICK=1: this run's CPU per verify and memory only, to compare two builds while changing the hot path.
      const ms = (v) => fmt(v, 2);
      await sleep(1_500); // PostgreSQL's backends report their counters about once a second
      log(`quick: database work per verify: ${activityPerVerify(activity1, await dbActivity(db), run1.latencies.length)}`);
      log(
        `quick: CPU ms per verify: API ${ms(cpu1.per.api)} (kernel ${ms(cpu1.apiSysPer)}), PostgreSQL ${ms(cpu1.per.postgres)}, ` +
          `Redis ${ms(cpu1.per.redis)}, load generator ${ms(cpu1.per.bench)}; machine busy ${fmt(cpu1.machine.busy, 2)} of 2 cores; ` +
          `peak RSS ${fmt(mem1[0].hwm)} MiB; double acceptances ${tally1.doubleByStep + tally1.doubleByAttempt}; audit events beyond the steps ${audit1.excess}`,
      );
      // Which of PostgreSQL's processes spent it (a process that ended within the run, an autovacuum worker say, is not counted).
      log(
        `quick: PostgreSQL CPU ms per verify by process: ${POSTGRES_ROLES.map((role) => `${role} ${ms(cpu1.postgresBy[role])}`).join(", ")}; ` +
          `in the kernel (socket reads and writes, WAL writes and flushes) ${ms(cpu1.postgresSysPer)} of all`,
      );
      // Where the memory is, from Node.js's own metrics (MiB): V8's heap spaces, external memory, the process's RSS.
      const memoryLine = async (when) => {
        const metrics = await (await fetch(`${a.url}/metrics`)).text();
        const mib = (name) =>
          [...metrics.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.e+]+)$`, "gm"))]
            .map((m) => `${m[1] ? m[1].replace(/^\{space="|"\}$/g, "") + " " : ""}${fmt(Number(m[2]) / 1048576, 1)}`)
            .join(", ");
        log(
          `quick: memory MiB ${when}: rss ${mib("process_resident_memory_bytes")}; heap total ${mib("nodejs_heap_size_total_bytes")}, used ${mib("nodejs_heap_size_used_bytes")}; ` +
            `external ${mib("nodejs_external_memory_bytes")}; spaces (size) ${mib("nodejs_heap_space_size_total_bytes")}`,
        );
      };
      await memoryLine("right after");
      await sleep(15_000);
      await memoryLine("15 s later");
      await stopChild(a);
      return;
    }
    // The same 32 connections at a steady offered load the process sustains: half of the saturated rate above. A
    // latency objective is read under such a load; at saturation every request also queues behind 31 others.
    // BENCH_PACED_RATE: a fixed offered rate, to compare two builds at the same load (default: ½ of the saturated rate).
    const pacedFixed = Number(process.env.BENCH_PACED_RATE) > 0;
    const pacedRate = pacedFixed ? Number(process.env.BENCH_PACED_RATE) : Math.max(50, Math.round(fig1.rps / 2));
    const pacedWhy = pacedFixed ? "fixed by BENCH_PACED_RATE" : "½ of the above";
    const pacedSeconds = PACED_SECONDS;
    const nP = Math.ceil(pacedRate * (pacedSeconds + PACED_WARMUP_SECONDS) * 1.2);
    const usersP = await provisionUsers([callA], "pc", Math.ceil(nP / 2));
    const planP = await prepareWorkload([callA], usersP, nP);
    log(`[${elapsed()} s] background work of the set-up drained, tables vacuumed in ${fmt(await settle(db), 1)} s`);
    const wP = assignCodes(planP, usersP);
    const sinceP = Date.now();
    const { result: runP, runtime: runtimeP } = await runtimeDuring(a.url, () =>
      loadPaced(a, key, wP, CONNECTIONS, pacedRate, pacedSeconds, db),
    );
    const figP = figures(runP.latencies, runP.latencies.length, runP.wall);
    const tallyP = tally(wP, runP.outcomes);
    log(
      `[${elapsed()} s] 1 process, ${CONNECTIONS} connections paced at ${pacedRate} req/s: ${fmt(figP.rps, 0)} req/s, p50 ${fmt(figP.p50, 2)} ms, p99 ${fmt(figP.p99, 2)} ms`,
    );
    await sleep(300);
    const auditP = await auditCheck(db, usersP, wP, sinceP);
    await stopChild(a);

    // ---- phase 2: two fresh API processes on the same database. The users of phase 1 are reused with later steps.
    // The database's connections stay what they were for one process: each of the two gets half of the pool.
    const env2 = { ...env, DATABASE_POOL_SIZE: String(POOL_SIZE_EACH_OF_TWO) };
    const b = await startApi("api-2a", mode, env2, NODE_ARGS);
    const c = await startApi("api-2b", mode, env2, NODE_ARGS);
    const callB = client(b.url, key);
    const callC = client(c.url, key);
    const warm2 = assignCodes(await prepareWorkload([callB, callC], warmUsers, 640), warmUsers);
    const warm2Run = await loadVerify([b, c], key, warm2, CONNECTIONS, 1.5);
    const warm2Rate = warm2Run.latencies.length / warm2Run.wall;
    log(`[${elapsed()} s] warm-up of two processes: ${fmt(warm2Rate, 0)} req/s over ${warm2Run.latencies.length} requests`);
    const n2 = sizeFor(1.3 * Math.max(fig1.rps, warm2Rate)); // two processes may well be faster than one
    t = performance.now();
    const reused = [...users1, ...oneUsers];
    const more = Math.max(0, Math.ceil(n2 / 2) - reused.length);
    const users2 = [...reused, ...(more > 0 ? await provisionUsers([callB, callC], "p2", more) : [])];
    const plan2 = await prepareWorkload([callB, callC], users2, n2);
    log(
      `[${elapsed()} s] started ${plan2.length} attempts for ${users2.length} users (${more} new) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    // ---- the raw floor, while the reused credentials wait for a fresh time step: the same statements on the bare
    // driver, same concurrency, same pool size as one API process; the API processes are idle.
    const floorUsers = 4096;
    const floorAttempts = 40_000;
    const stackAttempts = 24_000; // seeded after the raw floor's, for the stack floor
    await seedFloor(db, floorUsers, floorAttempts + stackAttempts);
    const floorSql = await apiVerifyStatements({ tenant: FLOOR_TENANT, factor: FACTOR });
    await loadFloor(DB_URL, floorSql, CONNECTIONS, 1, floorUsers, 2_000, 0); // warm-up
    const cpuFa = cpuSnapshot([b.proc.pid, c.proc.pid]);
    const floorRun = await loadFloor(DB_URL, floorSql, CONNECTIONS, SECONDS, floorUsers, floorAttempts - 4_000, 2_000, () =>
      cpuSnapshot([b.proc.pid, c.proc.pid]),
    );
    const cpuF = cpuPerRequest(cpuFa, floorRun.cpuEnd, floorRun.count);
    const floor = figures(floorRun.latencies, floorRun.count, floorRun.wall);
    log(
      `[${elapsed()} s] raw pg floor, ${CONNECTIONS} in parallel: ${fmt(floor.rps, 0)} tx/s, p50 ${fmt(floor.p50, 2)} ms, p99 ${fmt(floor.p99, 2)} ms${floorRun.exhausted ? " (ran out of seeded rows)" : ""}`,
    );
    const floorOne = await loadFloor(DB_URL, floorSql, 1, Math.min(3, SECONDS), floorUsers, 2_000, floorAttempts - 2_000);
    const floorOneFig = figures(floorOne.latencies, floorOne.count, floorOne.wall);
    log(
      `[${elapsed()} s] raw pg floor, 1 client: ${fmt(floorOneFig.rps, 0)} tx/s, p50 ${fmt(floorOneFig.p50, 2)} ms, p99 ${fmt(floorOneFig.p99, 2)} ms`,
    );

    // ---- the stack floor: the same statements behind express 5 (helmet, the JSON parser) in a process of its own,
    // driven by autocannon like the API: the most any verify on this stack can do here, with no mfa-chain code.
    const stack = await startStackFloor({
      dbUrl: DB_URL,
      poolSize: POOL_SIZE,
      users: floorUsers,
      tenant: FLOOR_TENANT,
      factor: FACTOR,
      env,
    });
    // The raw floor's audit events are sealed by the idle API processes first, so that the stack floor is not charged for it.
    log(`[${elapsed()} s] the raw floor's audit events sealed, tables vacuumed in ${fmt(await settle(db), 1)} s`);
    let stackFig;
    let cpuS;
    let stackMem;
    try {
      await loadStack(stack, CONNECTIONS, 1, floorAttempts, floorAttempts + 2_000); // warm-up
      const cpuSa = cpuSnapshot([stack.pid]);
      const stackRun = await loadStack(stack, CONNECTIONS, SECONDS, floorAttempts + 2_000, floorAttempts + stackAttempts);
      cpuS = cpuPerRequest(cpuSa, cpuSnapshot([stack.pid]), stackRun.count);
      stackFig = figures(stackRun.latencies, stackRun.count, stackRun.wall);
      stackMem = memoryOf(stack.pid);
      log(
        `[${elapsed()} s] stack floor (express + pg), ${CONNECTIONS} connections: ${fmt(stackFig.rps, 0)} req/s, p50 ${fmt(stackFig.p50, 2)} ms, p99 ${fmt(stackFig.p99, 2)} ms, CPU per request ${fmt(cpuS.per.api, 2)} ms (PostgreSQL ${fmt(cpuS.per.postgres, 2)})${stackRun.exhausted ? " (ran out of seeded rows)" : ""}`,
      );
    } finally {
      await stack.close();
    }

    await seedPgbench(db);
    runPgbench(DB_URL, CONNECTIONS, 1); // warm-up
    const limit = runPgbench(DB_URL, CONNECTIONS, SECONDS);
    const limitOne = runPgbench(DB_URL, 1, Math.min(3, SECONDS));
    for (const [n, l] of [
      [CONNECTIONS, limit],
      [1, limitOne],
    ])
      if (l) log(`[${elapsed()} s] pgbench limit, ${n} client(s): ${fmt(l.tps, 0)} tx/s, mean latency ${fmt(l.latency, 2)} ms`);

    log(`[${elapsed()} s] background work of the set-up drained, tables vacuumed in ${fmt(await settle(db), 1)} s`);
    await untilFreshStep(users2);
    const w2 = assignCodes(plan2, users2);
    const since2 = Date.now();
    const cpu2a = cpuSnapshot([b.proc.pid, c.proc.pid]);
    const run2 = await loadVerify([b, c], key, w2, CONNECTIONS, SECONDS);
    const cpu2 = cpuPerRequest(cpu2a, cpuSnapshot([b.proc.pid, c.proc.pid]), run2.latencies.length);
    const fig2 = figures(run2.latencies, run2.latencies.length, run2.wall);
    const tally2 = tally(w2, run2.outcomes);
    const mem2 = [memoryOf(b.proc.pid), memoryOf(c.proc.pid)];
    const perTarget2 = [0, 1].map((ti) => run2.outcomes.filter((o) => o && o.target === ti).length);
    log(
      `[${elapsed()} s] 2 processes, ${CONNECTIONS} connections: ${fmt(fig2.rps, 0)} req/s, p50 ${fmt(fig2.p50, 2)} ms, p99 ${fmt(fig2.p99, 2)} ms, peak RSS ${mem2.map((m) => fmt(m.hwm)).join(" + ")} MiB`,
    );
    await sleep(300);
    const audit2 = await auditCheck(db, users2, w2, since2);
    await Promise.all([stopChild(b), stopChild(c)]);

    // ---- report
    const rows = [
      {
        name: `raw pg floor (same statements, bare driver), ${CONNECTIONS} in parallel, pool ${POOL_SIZE}`,
        f: floor,
        mem: "—",
        unit: "tx",
      },
      {
        name: `stack floor (the same statements behind express 5, helmet and the JSON parser; no mfa-chain code), ${CONNECTIONS} connections`,
        f: stackFig,
        mem: fmt(stackMem.hwm),
        unit: "req",
      },
      { name: `HTTP verify, 1 API process, ${CONNECTIONS} connections`, f: fig1, mem: fmt(mem1[0].hwm), t: tally1, unit: "req" },
      {
        name: `HTTP verify, 1 API process, ${CONNECTIONS} connections, open loop paced at ${pacedRate} req/s (${pacedWhy})`,
        f: figP,
        mem: "",
        t: tallyP,
        unit: "req",
      },
      {
        name: `HTTP verify, 2 API processes, ${CONNECTIONS} connections (${CONNECTIONS / 2} each)`,
        f: fig2,
        mem: mem2.map((m) => fmt(m.hwm)).join(" + "),
        t: tally2,
        unit: "req",
      },
      { name: "raw pg floor, 1 client", f: floorOneFig, mem: "—", unit: "tx" },
      { name: "HTTP verify, 1 API process, 1 connection", f: oneFig, mem: "", t: tally(one, oneRun.outcomes), unit: "req" },
    ];
    const ratio1 = fig1.rps / floor.rps;
    const ratio2 = fig2.rps / floor.rps;
    const doubles =
      tally1.doubleByStep +
      tally1.doubleByAttempt +
      tallyP.doubleByStep +
      tallyP.doubleByAttempt +
      tally2.doubleByStep +
      tally2.doubleByAttempt +
      audit1.excess +
      auditP.excess +
      audit2.excess;
    const verdict = (ok) => (ok ? "met" : "**not met**");
    const cpu = cpus()[0]?.model ?? "unknown CPU";
    const when = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const paced = pacedHistory({ at: when, cpu, p99: Math.round(figP.p99 * 10) / 10, rate: pacedRate, generator: PACED_GENERATOR });
    const goals = [
      `- Throughput ≥ ½ of the raw floor: 1 process ${fmt(ratio1, 2)}× the floor — ${verdict(ratio1 >= 0.5)}; 2 processes ${fmt(ratio2, 2)}× — ${verdict(ratio2 >= 0.5)}.`,
      limit
        ? `- Throughput ≥ 0.4× the pgbench limit (${fmt(limit.tps, 0)} tx/s): 1 process ${fmt(fig1.rps / limit.tps, 2)}× — ${verdict(fig1.rps / limit.tps >= 0.4)}; the raw floor reaches ${fmt(floor.rps / limit.tps, 2)}× of it, and the stack floor (express in front of the raw floor, no mfa-chain code) ${fmt(stackFig.rps / limit.tps, 2)}× — ${stackFig.rps / limit.tps >= 0.4 ? "so the target is within this stack's reach here" : "so on this machine no verify built on express and pg reaches it"}.`
        : "- Throughput against the pgbench limit: **not measured** (pgbench missing or failed).",
      `- CPU per verify of one API process: PostgreSQL ${fmt(cpu1.per.postgres, 2)} ms — ${verdict(cpu1.per.postgres <= 0.7)} (≤ 0.7 ms); the API process ${fmt(cpu1.per.api, 2)} ms — ${verdict(cpu1.per.api <= 0.6)} (≤ 0.6 ms).`,
      `- Peak RSS of one API process ≤ 150 MiB: ${fmt(mem1[0].hwm, 1)} MiB — ${verdict(mem1[0].hwm <= 150)}.`,
      `- p99 < 50 ms at ${CONNECTIONS} connections under a load the process sustains (paced at ${pacedRate} req/s, ${pacedFixed ? "fixed by BENCH_PACED_RATE" : "½ of its saturated rate"}): ${fmt(figP.p99, 1)} ms — ${verdict(figP.p99 < 50)}.`,
      `  In consecutive runs (${paced.runs.map((r) => `${fmt(r.p99, 1)} ms at ${r.at}`).join(", ")}; the runs of this CPU within the hour before this one, at most three): ${paced.runs.length < 3 ? `${paced.runs.length} of the three runs made — **not met** yet (run it again)` : verdict(paced.runs.every((r) => r.p99 < 50))}.`,
      `  During that run the load generator's own event loop was delayed by up to ${fmt(runP.generatorLagMaxMs, 1)} ms, and the API process's by up to ${fmt(runtimeP.lagMaxMs, 1)} ms, with ${runtimeP.majorCount} major garbage collections taking ${fmt(runtimeP.majorMs, 1)} ms in all (Node.js's own metrics at /metrics).`,
      `  PostgreSQL wrote ${fmt(runP.server.walMbMean, 1)} MB of WAL a second on average (at most ${fmt(runP.server.walMbMax, 1)} in one second) and was spreading a checkpoint's writes during ${runP.server.checkpointing} of its ${pacedSeconds} s${runP.server.checkpointSeconds.length ? `; a checkpoint began at ${runP.server.checkpointSeconds.map((x) => `${x} s`).join(", ")}` : ""} (sampled every 100 ms; the bench prints each second).`,
      `- p99 < 50 ms at ${CONNECTIONS} connections at saturation (as many requests as the connections allow): 1 process ${fmt(fig1.p99, 1)} ms — ${verdict(fig1.p99 < 50)}; 2 processes ${fmt(fig2.p99, 1)} ms — ${verdict(fig2.p99 < 50)}.`,
      `  With ${CONNECTIONS} requests always in flight the mean latency is ${CONNECTIONS} ÷ throughput (Little's law): a p99 under 50 ms needs well over ${fmt(CONNECTIONS / 0.05, 0)} req/s; the raw floor itself ran ${fmt(floor.rps, 0)} tx/s here with p99 ${fmt(floor.p99, 1)} ms.`,
      `- Zero double acceptances under load: ${doubles} — ${verdict(doubles === 0)} (responses: ${tally1.doubleByStep + tallyP.doubleByStep + tally2.doubleByStep} extra successes per (credential, time step), ${tally1.doubleByAttempt + tallyP.doubleByAttempt + tally2.doubleByAttempt} per attempt; audit trail: ${audit1.excess + auditP.excess + audit2.excess} step_succeeded events beyond the distinct steps submitted per user).`,
    ];
    const single = (r) => r.name.includes("1 connection") || r.name.includes("1 client");
    const limitRow = (n, l) =>
      l
        ? `| pgbench limit (minimal verify-shaped transaction, \`-M prepared\`), ${n} | ${l.count.toLocaleString("en")} | ${fmt(l.seconds, 1)} | ${fmt(l.tps, 0)} | mean ${fmt(l.latency, 2)} | — | — | 1.00 | — |`
        : `| pgbench limit, ${n} | not measured (pgbench missing or failed: see the run's log) | | | | | | | |`;
    const table = [
      "| run | requests | seconds | req/s (tx/s) | p50 ms | p99 ms | × floor (throughput) | × pgbench limit | peak RSS MiB (VmHWM) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      limitRow(`${CONNECTIONS} clients`, limit),
      ...rows.map((r) => {
        const base = single(r) ? floorOneFig : floor;
        const top = single(r) ? limitOne : limit;
        return `| ${r.name} | ${r.f.count.toLocaleString("en")} | ${fmt(r.f.wall, 1)} | ${fmt(r.f.rps, 0)} | ${fmt(r.f.p50, 2)} | ${fmt(r.f.p99, 2)} | ${fmt(r.f.rps / base.rps, 2)} | ${top ? fmt(r.f.rps / top.tps, 2) : "—"} | ${r.mem || "—"} |`;
      }),
      limitRow("1 client", limitOne),
    ];
    const races = [tally1, tally2].map(
      (t, k) =>
        `${k === 0 ? "1 process" : "2 processes"}: ${t.responses.toLocaleString("en")} responses, ${t.successes.toLocaleString("en")} accepted for ${t.distinctPairs.toLocaleString("en")} distinct (credential, step) pairs; ${t.dupSubmitted} duplicate submissions, ${t.dupAccepted} of them accepted instead of their original (one per group at most); statuses ${JSON.stringify(t.statuses)}`,
    );
    const section = [
      "<!-- verify-http:begin (written by bench/verify/run.mjs) -->",
      `<!-- verify-http:paced-p99 ${JSON.stringify(paced.keep)} -->`,
      "Command: `pnpm bench:verify` (= `node bench/verify/run.mjs` from the repository root).",
      "",
      `Run ${when} · Node ${process.version} · ${cpu} × ${cpus().length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB · PostgreSQL and Redis on the same machine (loopback) · ` +
        `API ${mode === "dist" ? "built (`apps/api/dist/main.js`)" : "from source (tsx)"}, \`DATABASE_POOL_SIZE=${POOL_SIZE}\`, \`LOG_LEVEL=warn\`, rate limits counted in Redis · ` +
        `autocannon, at most ${SECONDS} s per measurement (1 connection: ${Math.min(3, SECONDS)} s; the paced run: ${PACED_SECONDS} s; less when the prepared requests ran out), each after a warm-up · whole run ${elapsed()} s.`,
      "",
      ...table,
      "",
      "CPU time per request (ms) on the machine's cores, from `/proc/<pid>/stat` (1/100 s ticks) over each measurement:",
      "",
      "| run | API process(es) (of which in the kernel) | load generator (autocannon / floor's pg client) | PostgreSQL | Redis | these processes, cores | machine busy / idle, cores of " +
        cpus().length +
        " | other load, cores |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      ...[
        ["raw pg floor, " + CONNECTIONS + " in parallel", cpuF],
        ["stack floor (express + pg, no mfa-chain code)", cpuS],
        ["HTTP verify, 1 API process", cpu1],
        ["HTTP verify, 2 API processes", cpu2],
      ].map(
        ([name, c]) =>
          `| ${name} | ${fmt(c.per.api, 2)} (${fmt(c.apiSysPer, 2)}) | ${fmt(c.per.bench, 2)} | ${fmt(c.per.postgres, 2)} | ${fmt(c.per.redis, 2)} | ${fmt(c.busyCores, 2)} | ${fmt(c.machine.busy, 2)} / ${fmt(c.machine.idle, 2)} | ${fmt(Math.max(0, c.machine.busy - c.busyCores), 2)} |`,
      ),
      "",
      ...goals,
      "",
      "How it is measured:",
      "",
      "- Each verify is the expensive path: a right code that completes a one-step `fixed` TOTP attempt (policy `requiredSteps: 1`, `lockout.maxFailures: 100`).",
      "  Users are enrolled and confirmed over HTTP (confirmed with the previous time step), attempts are started over HTTP before the measurement,",
      "  and every user is then verified with the current and the next time step — all users' first round before any second round, so each credential",
      "  sees increasing steps. Requests, attempts and codes are prepared beforehand; autocannon pulls them from one queue (`setupRequest`).",
      "  The two-process run uses two fresh processes and reuses the credentials of the one-process run with later time steps (it waits for",
      "  a step they have not used), so it needs no new enrollments. Before each measurement (the floor's too) the touched tables are",
      "  vacuumed and analyzed, as a database in service would be, rather than measuring tables bulk-loaded seconds before without statistics.",
      "- The paced run is open loop: request i is due at start + i ÷ rate over at most 32 keep-alive connections (node:http), and its latency runs",
      "  from when it was due, so waiting for a free connection counts. (autocannon's own rate limit releases each second's quota in one burst.)",
      "  The generator runs in a worker thread of its own (bench/verify/paced-generator.mjs), whose heap holds only its requests: in the bench's main thread",
      "  (some 190 MiB of prepared workloads) full collections delayed its sending by up to 40 ms, counted as the service's latency.",
      `  Its first ${PACED_WARMUP_SECONDS} s at the same rate are not measured (the generator opens its connections then; without them the first 150 ms of a run, 32 connections opening at once, held half of its slowest 1 %).`,
      `  It lasts ${PACED_SECONDS} s, so that a single stall of about 100 ms on the shared machine (a garbage collection, a descheduled process) delays fewer than 1 % of its requests and is not by itself the p99; the slowest responses and the event-loop delays are printed with it.`,
      `- Duplicates: one in ${DUP_EVERY} first-round codes is submitted three times back to back — twice on the same attempt, once on a second attempt of the same`,
      "  user — so the replay guard and the attempt's compare-and-set race under load. A double acceptance is any `success: true` beyond one per",
      "  (credential, time step) or per attempt; the audit trail is checked too (`attempt.step_succeeded` events per user ≤ distinct steps submitted).",
      `- ${races[0]}.`,
      `- ${races[1]}.`,
      "- Latency is autocannon's per-response time (request written → response read), every response counted; for two processes the percentiles",
      "  are taken over the merged responses of both autocannon instances (one per process, same queue). Throughput is responses ÷ wall time.",
      "- The raw floor runs, in the same process as autocannon and on the same database, the statements the API issues for this path, taken from",
      "  the built repository (bench/verify/api-statements.mjs), so their SQL text is the API's: the optimistic read (the attempt, the user's failure",
      "  counter, the credential and its material in one `with`, without locks) and the guarded write (the attempt and the counter locked only where",
      "  they are still what was read, the time-step claim `update … where last_time_step < $step`, the attempt compare-and-set `update`, a two-row",
      "  audit `insert`, in one `with`), each committed on its own — two round trips, as named prepared statements like the API's,",
      `  on rows seeded with SQL (${floorUsers.toLocaleString("en")} users, fresh attempt per transaction), ${CONNECTIONS} concurrent workers over a \`pg.Pool\` of ${POOL_SIZE}, the API processes idle.`,
      "  It does no HTTP, no TOTP, no secret decryption, no rate limiting, no validation: it is what the database alone allows on this machine.",
      "- The stack floor (bench/verify/stack-floor.mjs) is the raw floor's transaction behind express 5 with the API's front middleware (helmet,",
      "  the JSON body parser), in a process of its own with the API's `NODE_OPTIONS` and a pool of the same size, driven by autocannon over",
      "  loopback like the API (the request names the seeded attempt: `POST /v1/attempts/a<i>/verify`). No mfa-chain code runs in it: no",
      "  authentication, rate limit, validation, TOTP, decryption, audit or metrics. It is what any verify built on express and pg — the stack the",
      "  design card fixes — can reach on this machine: the API's distance to it is mfa-chain's own cost, its distance to pgbench the stack's.",
      "- The pgbench limit is PostgreSQL's own load generator (`pgbench -M prepared`, Debian's postgresql-client) on the same server, the API processes",
      "  idle: `begin`; one statement locking an attempt, a failure counter and a credential (three `select … for update` in one `with`); one statement",
      "  updating the attempt and the credential and inserting two audit rows; `commit`. It runs on copies of the API's tables (`like … including all`:",
      "  same columns, indexes and constraints) with one row set per client, so no client waits on another's locks: the physical limit of this",
      "  transaction shape on this machine, with no driver, no JSON and no material read.",
      "- CPU time per request: the change of utime + stime of each process over the measurement, divided by the responses (in parentheses the API's",
      "  stime alone: its socket reads and writes in the kernel; a sampling profiler charges far more to `writev`, because it also counts the time the",
      "  process sits descheduled after waking PostgreSQL); PostgreSQL counts every",
      "  `postgres` process of the local server (other databases' work too, if any ran), the bench process counts autocannon (or the floor's driver).",
      "  *Machine* is `/proc/stat` for the whole VM; *other load* is the machine's busy time not spent by the processes above (other work on",
      "  this shared machine, e.g. another engineer's test servers, plus kernel time not charged to a process): the figures above are only as",
      "  quiet as that column.",
      "- Peak RSS is `VmHWM` from `/proc/<pid>/status` of each API process at the end of its measurement (phase 2 uses two fresh processes);",
      "  autocannon and the floor run in the bench process, not counted. Everything shares 2 cores: autocannon, the API process(es), PostgreSQL, Redis.",
      `  The API runs as deployed: \`NODE_OPTIONS=${DEPLOYED_NODE_OPTIONS}\` as the image sets it (Dockerfile: a young generation of 2 × 8 MiB instead of V8's 2 × 16)` +
        `${NODE_ARGS.length > 0 ? `, and ${NODE_ARGS.map((a) => `\`${a}\``).join(" ")} (BENCH_NODE_ARGS)` : ""}, ` +
        `\`MFA_HEAP_GROWTH_PERCENT\` ${process.env.MFA_HEAP_GROWTH_PERCENT ? `${process.env.MFA_HEAP_GROWTH_PERCENT} (set for this run)` : "at its default (30)"}: ` +
        "a full collection once the old generation grew that much past what was live (apps/api/src/boot/heap.ts), where V8 alone lets it reach up to 4× — about 230 MiB at this load.",
      "<!-- verify-http:end -->",
    ];
    process.stdout.write(`\n${section.join("\n")}\n\n`);
    if (process.env.BENCH_NO_WRITE !== "1") {
      writeSection(section.join("\n"));
      log(`wrote the "Verify over HTTP" section of ${DOC}`);
    }
    if (warm2Run.errors || run1.errors || run2.errors)
      log(`transport errors/timeouts: 1 process ${run1.errors}, 2 processes ${run2.errors}`);
    log(`2-process split: ${perTarget2.join(" / ")} responses`);
    for (const [name, c] of [
      ["floor", cpuF],
      ["stack floor", cpuS],
      ["1 process", cpu1],
      ["2 processes", cpu2],
    ]) {
      log(
        `CPU ms/request ${name}: ${Object.entries(c.per)
          .map(([k, v]) => `${k} ${fmt(v, 2)}`)
          .join(
            ", ",
          )}; busy cores ${fmt(c.busyCores, 2)}; machine: busy ${fmt(c.machine.busy, 2)}, idle ${fmt(c.machine.idle, 2)}, steal ${fmt(c.machine.steal, 2)} cores`,
      );
    }
  } finally {
    await db.end().catch(() => {});
  }
}

/**
 * The paced p99 of this run and of the runs before it whose figures the section holds (a comment in it): the issue's
 * "three consecutive runs" are this one and the two before, on the same CPU within one hour, generated the same way.
 */
function pacedHistory(run) {
  let before = [];
  try {
    const m = /<!-- verify-http:paced-p99 (\[.*?\]) -->/.exec(readFileSync(DOC, "utf8"));
    if (m) before = JSON.parse(m[1]);
  } catch {
    before = [];
  }
  const keep = [...before, run].slice(-3);
  const hour = Date.parse(run.at) - 60 * 60_000;
  const runs = [];
  for (const r of [...keep].reverse()) {
    if (r.cpu !== run.cpu || r.generator !== run.generator || Date.parse(r.at) < hour) break;
    runs.unshift(r);
  }
  return { keep, runs };
}

function writeSection(section) {
  const doc = readFileSync(DOC, "utf8");
  const BEGIN = "<!-- verify-http:begin";
  const END = "<!-- verify-http:end -->";
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  let next;
  if (begin >= 0 && end > begin) {
    next = `${doc.slice(0, begin)}${section}${doc.slice(end + END.length)}`;
  } else {
    const heading = /^## Verify over HTTP[^\n]*\n/m.exec(doc);
    if (heading) {
      // A hand-written section: replace it up to the next heading of the same level.
      const start = heading.index + heading[0].length;
      const rest = doc.slice(start);
      const following = /^## /m.exec(rest);
      const stop = following ? start + following.index : doc.length;
      next = `${doc.slice(0, start)}\n${section}\n${following ? "\n" : ""}${doc.slice(stop)}`;
    } else {
      next = `${doc.trimEnd()}\n\n## Verify over HTTP\n\n${section}\n`;
    }
  }
  writeFileSync(DOC, next);
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    clearTimeout(watchdog);
  });
