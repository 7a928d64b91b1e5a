// The API against a database that fails: backends terminated under load (what a failover, a restart or a network reset
// does), a server stopped for 10 s and started again, and a process started while the database is down. The process
// stays up, every request gets an HTTP answer (2xx, 4xx or 503 — never a 500 or a reset connection), and every write
// the API acknowledged is in the database afterwards.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { createDatabase, type MfaDatabase } from "@mfa-chain/infra-postgres";
import { findPostgresBinDir, startLocalCluster, type LocalCluster } from "@mfa-chain/pg-harness";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../src/boot/api-keys.js";
import { ApiClient, uniqueId } from "./support/api.js";
import { enrolledUsers, ONE_FACTOR_POLICY, sleep, startLoad, timeToSuccess, type Answer } from "./support/load.js";
import { spawnApi, type ApiProcess } from "./support/processes.js";

/** A tenant with an admin key and the one-factor policy, created over a connection of the test's own. */
async function setUpTenant(url: string, api: ApiProcess): Promise<ApiClient> {
  const database = createDatabase({ url, poolSize: 1 });
  try {
    const tenantId = uniqueId("t");
    const { apiKey } = await createTenant(database.db, { id: tenantId, name: tenantId, role: "admin", now: Date.now() });
    const client = new ApiClient(api.url, apiKey);
    const created = await client.post("/v1/policies", ONE_FACTOR_POLICY);
    if (created.status !== 201) throw new Error(`policy: ${created.status} ${JSON.stringify(created.body)}`);
    return client;
  } finally {
    await database.close();
  }
}

/** Every answer is HTTP, and none is a 500: 2xx, 4xx, or 503 `unavailable` with Retry-After. */
function expectOnlyHonestAnswers(answers: readonly Answer[]): void {
  const byStatus = new Map<string, number>();
  for (const a of answers) byStatus.set(String(a.status), (byStatus.get(String(a.status)) ?? 0) + 1);
  const bad = answers.filter((a) => a.status === "no answer" || (a.status >= 500 && a.status !== 503) || a.status < 200);
  expect(bad, `answers by status: ${JSON.stringify(Object.fromEntries(byStatus))}`).toEqual([]);
  for (const a of answers.filter((x) => x.status === 503)) {
    expect(a.code).toBe("unavailable");
    expect(Number(a.retryAfter)).toBeGreaterThan(0);
  }
}

/** The load would spend the default request budgets in seconds (a 503 is answered fast): lift them. */
const NO_RATE_LIMITS = { RATE_LIMIT_PER_IP: "1000000", RATE_LIMIT_PER_KEY: "1000000" };

const outputLines = (api: ApiProcess, msg: string): number =>
  api
    .output()
    .split("\n")
    .filter((line) => line.includes(`"msg":"${msg}`)).length;

describe("backends terminated under load", () => {
  const database = useTestDatabase("faults");
  let api: ApiProcess;
  let admin: pg.Client;
  beforeAll(async () => {
    api = await spawnApi({
      DATABASE_URL: database.url,
      MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
      DATABASE_POOL_SIZE: "8",
      ...NO_RATE_LIMITS,
    });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await api?.stop();
  });

  it("pg_terminate_backend 20 times while 8 clients enroll, start and verify: the process stays up, every answer is 2xx, 4xx or 503, and requests succeed again within 2 s", async () => {
    const client = await setUpTenant(database.url, api);
    const users = await enrolledUsers(client, 8);
    const load = startLoad(client, users, 8);
    const recoveries: number[] = [];
    let terminated = 0;
    try {
      for (let round = 0; round < 20; round++) {
        await sleep(150);
        const killed = await admin.query<{ n: string }>(
          "select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = current_database() and application_name = 'mfa-chain'",
        );
        terminated += Number(killed.rows[0]?.n);
        recoveries.push(await timeToSuccess(async () => (await client.get("/v1/policies/faults")).status, 2_000));
      }
    } finally {
      await load.stop();
    }
    expect(api.child.exitCode).toBeNull();
    expect(api.output()).not.toContain("Unhandled 'error' event");
    expect(api.output()).not.toContain('"msg":"unhandled error"');
    // Connections were cut under load (at least one per round) and the load kept going through all of it.
    expect(terminated).toBeGreaterThanOrEqual(20);
    expect(load.answers.length).toBeGreaterThan(100);
    expectOnlyHonestAnswers(load.answers);
    expect(Math.max(...recoveries)).toBeLessThan(2_000);
    // The API still serves every kind of request afterwards.
    expect((await client.post("/v1/attempts", { userId: users[0]?.userId, policyId: "faults" })).status).toBe(201);
  }, 120_000);
});

describe("a PostgreSQL server that stops and starts again", () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    const binDir = findPostgresBinDir();
    if (!binDir)
      throw new Error(
        "these tests stop and start a PostgreSQL server of their own: install Debian's `postgresql` package (initdb, pg_ctl)",
      );
    cluster = await startLocalCluster(binDir);
  }, 120_000);
  afterAll(() => cluster?.stop());

  const env = () => ({
    DATABASE_URL: cluster.url,
    MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
    DATABASE_CONNECT_TIMEOUT_MS: "1000",
    DATABASE_STATEMENT_TIMEOUT_MS: "2000",
    ...NO_RATE_LIMITS,
  });

  it("stopped for 10 s under load: 503s within the timeout meanwhile, a success under 5 s after it is back, and every acknowledged write kept", async () => {
    const api = await spawnApi(env());
    try {
      const client = await setUpTenant(cluster.url, api);
      const users = await enrolledUsers(client, 8);
      const load = startLoad(client, users, 8);
      let down = 0;
      let up = 0;
      let firstSuccessMs = Number.NaN;
      try {
        await sleep(1_500);
        cluster.pause();
        down = Date.now();
        await sleep(10_000);
        cluster.resume();
        up = Date.now();
        firstSuccessMs = await timeToSuccess(async () => (await client.get("/v1/policies/faults")).status, 5_000);
        await sleep(1_000);
      } finally {
        await load.stop();
      }
      expect(api.child.exitCode).toBeNull();
      expectOnlyHonestAnswers(load.answers);
      // While it was down (a second after the stop, to the restart) everything was answered 503, each within the
      // configured bounds (connect 1 s, statement 2 s + 1 s read margin) and some slack for two busy cores.
      const during = load.answers.filter((a) => a.startedAt > down + 1_000 && a.endedAt < up);
      expect(during.length).toBeGreaterThan(20);
      expect(new Set(during.map((a) => a.status))).toEqual(new Set([503]));
      expect(Math.max(...during.map((a) => a.endedAt - a.startedAt))).toBeLessThan(4_000);
      expect(firstSuccessMs).toBeLessThan(5_000);
      // The log says it once for the whole outage, and once when it ended; it names the error class.
      expect(outputLines(api, "database unavailable")).toBe(1);
      expect(outputLines(api, "database available again")).toBe(1);
      expect(api.output()).not.toContain('"msg":"unhandled error"');
      const metrics = await (await fetch(`${api.url}/metrics`)).text();
      expect(metrics).toMatch(/mfa_database_unavailable_total\{reason="[a-z_]+"\} [1-9]/);
      expect(metrics).toMatch(/mfa_http_requests_total\{method="POST",route="\/v1\/attempts",status="503"\} [1-9]/);

      // Every write the API acknowledged is in the database.
      const { acknowledged } = load;
      expect(acknowledged.credentials.length + acknowledged.attempts.length).toBeGreaterThan(20);
      const check = createDatabase({ url: cluster.url, poolSize: 1 });
      try {
        const credentialIds = new Set((await check.db.selectFrom("credentials").select("id").execute()).map((r) => r.id));
        expect(acknowledged.credentials.filter((c) => !credentialIds.has(c.credentialId))).toEqual([]);
        const attemptIds = new Set((await check.db.selectFrom("attempts").select("id").execute()).map((r) => r.id));
        expect(acknowledged.attempts.filter((a) => !attemptIds.has(a.attemptId))).toEqual([]);
        await expectFailuresKept(check, acknowledged.failures);
      } finally {
        await check.close();
      }
    } finally {
      await api.stop();
    }
  }, 120_000);

  it("a database that stops answering without refusing (every server process frozen for 8 s): each request is answered 503 within its bounds, and it serves again once the server does", async () => {
    const api = await spawnApi(env());
    const postmaster = Number(readFileSync(join(cluster.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    const signal = (name: "STOP" | "CONT") => {
      for (const pid of [postmaster, ...childrenOf(postmaster)]) {
        try {
          process.kill(pid, `SIG${name}`);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error; // a backend that ended meanwhile
        }
      }
    };
    try {
      const client = await setUpTenant(cluster.url, api);
      const users = await enrolledUsers(client, 8);
      const load = startLoad(client, users, 8);
      let frozen = 0;
      let thawed = 0;
      try {
        await sleep(1_000);
        signal("STOP");
        frozen = Date.now();
        await sleep(8_000);
        signal("CONT");
        thawed = Date.now();
        await timeToSuccess(async () => (await client.get("/v1/policies/faults")).status, 5_000);
      } finally {
        signal("CONT");
        await load.stop();
      }
      expect(api.child.exitCode).toBeNull();
      expectOnlyHonestAnswers(load.answers);
      // Requests started at least 4.5 s before the thaw: each had to be answered while the server was still frozen.
      const during = load.answers.filter((a) => a.startedAt > frozen && a.startedAt < thawed - 4_500);
      expect(during.length).toBeGreaterThanOrEqual(4);
      expect(during.filter((a) => a.status !== 503)).toEqual([]);
      // connect 1 s, or statement 2 s + the client's 1 s read margin, and slack for two busy cores: never the TCP timeout.
      expect(Math.max(...during.map((a) => a.endedAt - a.startedAt))).toBeLessThan(4_500);
    } finally {
      await api.stop();
    }
  }, 90_000);

  it("an API started while the database is down answers /healthz, is not ready, and becomes ready by itself when the database starts", async () => {
    cluster.pause();
    let api: ApiProcess | undefined;
    try {
      api = await spawnApi(env(), 30_000, "listening");
      expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${api.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(((await notReady.json()) as { detail: string }).detail).toMatch(
        /^starting: the database is not reachable \(connection_refused\)/,
      );
      const v1 = await fetch(`${api.url}/v1/policies`, { headers: { authorization: `Bearer mfa_${"x".repeat(43)}` } });
      expect(v1.status).toBe(503);
      expect(((await v1.json()) as { code: string }).code).toBe("unavailable");
      expect(v1.headers.get("retry-after")).not.toBeNull();
      await sleep(3_000);
      expect(api.child.exitCode).toBeNull();
      cluster.resume();
      // Backoff is capped at 10 s: ready well within 15 s of the database's return, without a restart.
      await timeToSuccess(async () => (await fetch(`${api!.url}/readyz`)).status, 15_000);
      expect(api.output()).toContain('"msg":"mfa-chain API ready"');
      const client = await setUpTenant(cluster.url, api);
      expect((await client.get("/v1/policies/faults")).status).toBe(200);
    } finally {
      if (cluster && !(await isUp(cluster))) cluster.resume();
      await api?.stop();
    }
  }, 90_000);
});

/** The processes whose parent is `pid` (PostgreSQL's backends and workers), from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read from the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

async function isUp(cluster: LocalCluster): Promise<boolean> {
  const probe = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 1_000 });
  try {
    await probe.connect();
    await probe.end();
    return true;
  } catch {
    return false;
  }
}

/** Each user's acknowledged wrong codes are all counted: in the failure counter and as audit events. */
async function expectFailuresKept(database: MfaDatabase, failures: ReadonlyMap<string, number>): Promise<void> {
  expect(failures.size).toBeGreaterThan(0);
  const counted = new Map(
    (await database.db.selectFrom("lockouts").select(["user_id", "consecutive_failures"]).execute()).map((r) => [
      r.user_id,
      r.consecutive_failures,
    ]),
  );
  const audited = new Map<string, number>();
  for (const row of await database.db.selectFrom("audit_events").select("user_id").where("type", "=", "attempt.step_failed").execute()) {
    audited.set(row.user_id as string, (audited.get(row.user_id as string) ?? 0) + 1);
  }
  for (const [userId, acknowledged] of failures) {
    // At least: a wrong code answered 503 may still have been committed (the answer, not the commit, was lost).
    expect(counted.get(userId) ?? 0, `failure counter of ${userId}`).toBeGreaterThanOrEqual(acknowledged);
    expect(audited.get(userId) ?? 0, `audited failures of ${userId}`).toBeGreaterThanOrEqual(acknowledged);
  }
}
