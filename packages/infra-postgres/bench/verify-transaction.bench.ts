// The storage side of one verify, measured against its raw floor: the same two statements in one transaction,
// (a) through our repositories (Kysely, row validation) and (b) as hand-written SQL on the bare driver.
// Run: pnpm --filter @mfa-chain/infra-postgres bench   (TEST_DATABASE_URL or a local cluster; PGlite in memory too)
// Writes the "Storage" section of docs/benchmarks.md. Loopback only; bounded in count and time.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { createTestDatabase, dropTestDatabase, resolvePostgresServer } from "@mfa-chain/pg-harness";
import { sampleAttempt, sampleCredential, T0 } from "@mfa-chain/testing/contracts";
import { Kysely } from "kysely";
import pg from "pg";
import { PGliteDialect } from "../src/database/pglite-dialect.js";
import type { Database } from "../src/database/schema.js";
import { INT8_OID, parseInt8 } from "../src/database/type-parsers.js";
import { createDatabase, type MfaDatabase } from "../src/database/create-database.js";
import { migrateToLatest } from "../src/migrate.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const BATCH = 20;
const CONCURRENCY = 8;
const out = (line: string) => process.stdout.write(`${line}\n`);

interface Case {
  readonly name: string;
  /** One verify-shaped transaction for worker `w`, iteration `i`. */
  run(w: number, i: number): Promise<void>;
}

const TENANT = "bench";
const user = (w: number) => `user-${w}`;
const attemptId = (w: number) => `att-${w}`;
const credentialId = (w: number) => `cred-${w}`;

/** Seeds one attempt, credential and lockout per worker. Each case uses its own tenant so versions never collide. */
async function seed(database: Pick<MfaDatabase, "db">, tenant: string, workers: number): Promise<void> {
  await new PostgresUnitOfWork(database.db).run(async (r) => {
    for (let w = 0; w < workers; w++) {
      await r.attempts.insert({ ...sampleAttempt(tenant, attemptId(w)), userId: user(w) });
      await r.credentials.insert(
        sampleCredential(tenant, credentialId(w), { userId: user(w), status: "active", factorId: "token_2", lastTimeStep: 0 }),
      );
      await r.lockouts.save(tenant, user(w), { consecutiveFailures: 0, lockCount: 0, lockedUntil: null }, T0);
    }
  });
}

function ours(database: MfaDatabase, tenant: string): Case {
  const uow = new PostgresUnitOfWork(database.db);
  return {
    name: "our repositories (Kysely + row validation)",
    run: (w, i) =>
      uow.run(async (r) => {
        const state = await r.steps.lockForStep(tenant, attemptId(w), "token_2");
        if (!state?.credential) throw new Error("bench rows missing");
        const { attempt, lock } = state;
        const written = await r.steps.write(tenant, user(w), {
          attempt: { ...attempt, cursor: i % 2, version: attempt.version + 1 },
          expectedVersion: attempt.version,
          claim: { kind: "time_step", credentialId: state.credential.id, step: i },
          lock: { ...lock, consecutiveFailures: 0 },
          events: [
            {
              tenantId: tenant,
              type: "attempt.step_succeeded",
              at: T0 + i,
              actor: { kind: "api_key", id: "k" },
              userId: user(w),
              attemptId: attempt.id,
              factorId: "token_2",
              data: { step: i },
            },
          ],
          at: T0 + i,
        });
        if (!written) throw new Error("bench step not written");
      }),
  };
}

type Query = (text: string, params: unknown[]) => Promise<unknown>;

// The two statements of repositories/step.repository.ts, written by hand.
const RAW = {
  read: `with a as (select * from attempts where tenant_id = $1 and id = $2 for update),
    l as (select consecutive_failures, lock_count, locked_until from lockouts where tenant_id = $1 and user_id = (select a.user_id from a) for update),
    c as (select id as c_id, last_time_step as c_last_time_step from credentials where tenant_id = $1 and user_id = (select a.user_id from a) and factor_id = $3 and status = 'active' and exists (select l.lock_count from l) for update)
    select * from a left join l on true left join c on true`,
  write: `with att as (update attempts set chain = $3, eligible = $4, cursor = $5, status = 'active', version = $6, expires_at = $7, completed_at = null where tenant_id = $1 and id = $2 and version = $8 returning id),
    claim as (update credentials set last_time_step = $10 where tenant_id = $1 and id = $9 and status = 'active' and (last_time_step is null or last_time_step < $10) returning id),
    lk as (insert into lockouts (tenant_id, user_id, consecutive_failures, lock_count, locked_until, updated_at) values ($1, $11, 0, 0, null, $12) on conflict (tenant_id, user_id) do update set consecutive_failures = 0, lock_count = 0, locked_until = null, updated_at = $12),
    ev as (insert into audit_events (tenant_id, at, type, actor_kind, actor_id, user_id, attempt_id, factor_id, data) values ($1, $12, 'attempt.step_succeeded', 'api_key', 'k', $11, $2, 'token_2', $13))
    select (select count(*) from att) as updated, (select count(*) from claim) as claimed`,
};

function raw(name: string, tenant: string, transaction: (work: (q: Query) => Promise<void>) => Promise<void>): Case {
  const versions = new Map<number, number>();
  return {
    name,
    run: (w, i) =>
      transaction(async (q) => {
        await q(RAW.read, [tenant, attemptId(w), "token_2"]);
        const version = versions.get(w) ?? 1;
        await q(RAW.write, [
          tenant,
          attemptId(w),
          '["token_2","token_1"]',
          '["token_1","token_2","token_3"]',
          i % 2,
          version + 1,
          new Date(T0 + 600_000),
          version,
          credentialId(w),
          i,
          user(w),
          new Date(T0 + i),
          JSON.stringify({ step: i }),
        ]);
        versions.set(w, version + 1);
      }),
  };
}

interface Figures {
  name: string;
  median: number;
  p99: number;
  opsPerSecond: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;

/** Interleaved rounds: every case runs a batch per round, so machine noise hits them alike. */
async function measure(cases: Case[], workers: number): Promise<Figures[]> {
  const latencies = cases.map(() => [] as number[]);
  const busy = cases.map(() => 0);
  let iteration = 1;
  for (let warm = 0; warm < 3; warm++) for (const c of cases) for (let w = 0; w < workers; w++) await c.run(w, iteration++);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, c] of cases.entries()) {
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          for (let b = 0; b < BATCH; b++) {
            const t = process.hrtime.bigint();
            await c.run(w, iteration + b);
            (latencies[k] as number[]).push(Number(process.hrtime.bigint() - t) / 1e6);
          }
        }),
      );
      busy[k] = (busy[k] as number) + Number(process.hrtime.bigint() - start) / 1e9;
    }
    iteration += BATCH;
  }
  return cases.map((c, k) => {
    const sorted = (latencies[k] as number[]).sort((a, b) => a - b);
    return {
      name: c.name,
      median: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      opsPerSecond: sorted.length / (busy[k] as number),
    };
  });
}

function table(title: string, rows: Figures[]): string[] {
  const floor = rows.find((r) => r.name.startsWith("raw")) as Figures;
  return [
    `**${title}**`,
    "",
    "| implementation | median ms | p99 ms | tx/s | × floor (median) |",
    "|---|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.median.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.opsPerSecond).toLocaleString("en")} | ${(r.median / floor.median).toFixed(2)} |`,
    ),
    "",
  ];
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const server = await resolvePostgresServer({ log: (l) => out(`bench: ${l}`) });
  const testDb = await createTestDatabase(server.adminUrl, null, "bench");
  try {
    const database = createDatabase({ url: testDb.url, poolSize: CONCURRENCY + 2 });
    await migrateToLatest(database.db);
    const pool = new pg.Pool({ connectionString: testDb.url, max: CONCURRENCY + 2 });
    const pgTransaction = async (work: (q: Query) => Promise<void>) => {
      const client = await pool.connect();
      try {
        await client.query("begin");
        await work((text, params) => client.query(text, params));
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw error;
      } finally {
        client.release();
      }
    };
    for (const workers of [1, CONCURRENCY]) {
      await seed(database, `${TENANT}-ours-${workers}`, workers);
      await seed(database, `${TENANT}-raw-${workers}`, workers);
      const pair = [
        raw("raw pg (same SQL, no Kysely, no validation)", `${TENANT}-raw-${workers}`, pgTransaction),
        ours(database, `${TENANT}-ours-${workers}`),
      ];
      const figures = await measure(pair, workers);
      lines.push(
        ...table(
          `PostgreSQL ${server.kind === "env" ? "(TEST_DATABASE_URL)" : `(${server.kind})`}, ${workers > 1 ? `${workers} clients in parallel` : "1 client"}`,
          figures,
        ),
      );
      out(lines.slice(-6).join("\n"));
    }
    await pool.end();
    await database.close();
  } finally {
    await dropTestDatabase(server.adminUrl, testDb.name);
    await server.stop();
  }

  // PGlite: ours on one in-memory instance, the floor on another (migrated and seeded the same way) queried directly.
  const lite = createDatabase({});
  await migrateToLatest(lite.db);
  await seed(lite, `${TENANT}-ours-1`, 1);
  const floorLite = await PGlite.create({ parsers: { [INT8_OID]: parseInt8 } });
  const floorHandle = { db: new Kysely<Database>({ dialect: new PGliteDialect({ pglite: floorLite }) }) };
  await migrateToLatest(floorHandle.db);
  await seed(floorHandle, `${TENANT}-raw-1`, 1);
  const liteRaw = raw("raw PGlite queries (same SQL, no Kysely, no validation)", `${TENANT}-raw-1`, (work) =>
    floorLite.transaction(async (tx) => {
      await work((text, params) => tx.query(text, params));
    }),
  );
  const figures = await measure([liteRaw, ours(lite, `${TENANT}-ours-1`)], 1);
  lines.push(...table("PGlite (in memory), 1 client", figures));
  out(lines.slice(-6).join("\n"));
  await lite.close();
  await floorHandle.db.destroy();

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const section = [
    "<!-- storage-verify:begin (written by packages/infra-postgres/bench/verify-transaction.bench.ts) -->",
    "Command: `pnpm --filter @mfa-chain/infra-postgres bench` (`tsx bench/verify-transaction.bench.ts`).",
    "",
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} · Node ${process.version} · ${cpu} × ${cpus().length} · ${ROUNDS} interleaved rounds of ${BATCH} transactions per client · peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB.`,
    "",
    "One verify's storage work in one transaction (`repositories/step.repository.ts`): one read that locks the attempt, the",
    "failure counter and the factor's credential, one write that claims the time step, compares-and-sets the attempt, saves",
    "the counter and appends the audit event; with begin and commit, four round trips. *raw* runs the same two statements",
    "as hand-written SQL on the bare driver; *ours* goes through the repository (statements built once by Kysely and reused,",
    "zod validation of the row read, domain mapping). Each parallel client works on its own user. The gap is CPU in the",
    "client: row validation and mapping, and the values' encoding.",
    "",
    ...lines,
    "<!-- storage-verify:end -->",
  ];
  const file = join(import.meta.dirname, "../../../docs/benchmarks.md");
  const doc = readFileSync(file, "utf8");
  const begin = doc.indexOf("<!-- storage-verify:begin");
  const end = doc.indexOf("<!-- storage-verify:end -->");
  const next =
    begin >= 0 && end > begin
      ? `${doc.slice(0, begin)}${section.join("\n")}${doc.slice(end + "<!-- storage-verify:end -->".length)}`
      : `${doc.trimEnd()}\n\n## Storage: one verify transaction\n\n${section.join("\n")}\n`;
  writeFileSync(file, next);
  out(`bench: wrote the Storage section of ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
