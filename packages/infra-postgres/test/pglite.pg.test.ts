// The embedded engine: PGlite behind Kysely, in memory and in a data folder, one transaction at a time.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleAttempt, sampleCredential, T0 } from "@mfa-chain/testing/contracts";
import { advance } from "@mfa-chain/domain";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, sql } from "kysely";
import { PGliteDialect } from "../src/database/pglite-dialect.js";
import type { Database } from "../src/database/schema.js";
import { INT8_OID, parseInt8 } from "../src/database/type-parsers.js";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase, DataDirInUseError, databaseOptionsFromEnv, redactUrl } from "../src/database/create-database.js";
import { CorruptRowError } from "../src/database/rows.js";
import { migrateToLatest } from "../src/migrate.js";
import { runSecretsRotation } from "../src/secrets/rotate-command.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { usePGlite } from "./support/databases.js";
import { TestKeyring } from "./support/test-keyring.js";

const database = usePGlite();

function createDatabaseWithTimeout(acquireTimeoutMs: number) {
  const db = new Kysely<Database>({
    dialect: new PGliteDialect({ pglite: () => PGlite.create({ parsers: { [INT8_OID]: parseInt8 } }), acquireTimeoutMs }),
  });
  return { db, close: () => db.destroy() };
}
const folders: string[] = [];
const tempFolder = () => {
  const dir = mkdtempSync(join(tmpdir(), "mfa-pglite-"));
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe("PGlite through Kysely", () => {
  it("runs parallel units of work one after another: a claimed step is claimed once", async () => {
    const uow = new PostgresUnitOfWork(database.current.db);
    await uow.run(async (r) => {
      await r.credentials.insert(sampleCredential("lite", "c1", { status: "active" }));
      await r.attempts.insert(sampleAttempt("lite", "a1"));
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        uow.run(async (r) => {
          const attempt = await r.attempts.findForUpdate("lite", "a1");
          const claimed = await r.credentials.claim("lite", { kind: "time_step", credentialId: "c1", step: 42 }, T0);
          return claimed && attempt !== null && (await r.attempts.update(advance(attempt, T0), attempt.version));
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("keeps serving after a failed transaction, and rolls it back", async () => {
    const uow = new PostgresUnitOfWork(database.current.db);
    await expect(
      uow.run(async (r) => {
        await r.users.lock("lite", "u1", T0);
        await r.attempts.insert(sampleAttempt("lite", "dup"));
        await r.attempts.insert(sampleAttempt("lite", "dup"));
      }),
    ).rejects.toThrow();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where tenant_id = 'lite'`.execute(database.current.db);
    expect(rows[0]?.n).toBe(0);
    expect(await uow.run((r) => r.attempts.find("lite", "dup"))).toBeNull();
  });

  it("turns a query that waits on its own open transaction into an error instead of a hang", async () => {
    {
      // A query on the database handle (not the transaction) inside a unit of work: it can never get the connection.
      const started = Date.now();
      const quick = createDatabaseWithTimeout(100);
      await migrateToLatest(quick.db);
      await expect(new PostgresUnitOfWork(quick.db).run(async () => sql`select 1`.execute(quick.db))).rejects.toThrow(/single connection/);
      expect(Date.now() - started).toBeLessThan(10_000);
      // The connection is free again afterwards.
      expect((await sql<{ one: number }>`select 1 as one`.execute(quick.db)).rows).toEqual([{ one: 1 }]);
      await quick.close();
    }
  });

  it("refuses a stored row of the wrong shape instead of passing it on", async () => {
    const db = database.current.db;
    await new PostgresUnitOfWork(db).run((r) => r.attempts.insert(sampleAttempt("lite", "corrupt")));
    await sql`update attempts set chain = '[1, 2]' where tenant_id = 'lite' and id = 'corrupt'`.execute(db);
    await expect(new PostgresUnitOfWork(db).run((r) => r.attempts.find("lite", "corrupt"))).rejects.toThrow(CorruptRowError);
    await sql`update credentials set params = '{"type":"totp","algorithm":"MD5","digits":6,"period":30}' where tenant_id = 'lite' and id = 'c1'`.execute(
      db,
    );
    await expect(new PostgresUnitOfWork(db).run((r) => r.credentials.findById("lite", "alice", "c1"))).rejects.toThrow(/params\.algorithm/);
  });

  it("refuses a bigint beyond JavaScript's safe integers rather than rounding it", async () => {
    await expect(sql`select 9007199254740993::bigint as n`.execute(database.current.db)).rejects.toThrow(/safe integer/);
  });

  it("keeps its data in a folder across restarts", async () => {
    const dir = tempFolder();
    const first = createDatabase({ dataDir: join(dir, "data") });
    expect(first.description).toContain(dir);
    await migrateToLatest(first.db);
    await new PostgresUnitOfWork(first.db).run((r) => r.attempts.insert(sampleAttempt("disk", "a1")));
    await first.close();
    const second = createDatabase({ dataDir: join(dir, "data") });
    expect(await migrateToLatest(second.db)).toEqual([]);
    expect(await new PostgresUnitOfWork(second.db).run((r) => r.attempts.find("disk", "a1"))).toEqual(sampleAttempt("disk", "a1"));
    await second.close();
  });

  it("re-seals secrets through the rotation command body", async () => {
    const dir = tempFolder();
    const env = { MFA_DATA_DIR: "data" };
    const old = TestKeyring.withKeys("k1");
    const setup = createDatabase(databaseOptionsFromEnv(env, dir));
    await migrateToLatest(setup.db);
    await new PostgresUnitOfWork(setup.db).run(async (r) => {
      for (const id of ["a", "b"]) {
        await r.credentials.insert(
          sampleCredential("rot", id, {
            factorId: id,
            secret: old.seal(new Uint8Array(20).fill(7), { tenantId: "rot", userId: "alice", credentialId: id }),
          }),
        );
      }
    });
    await setup.close();
    const lines: string[] = [];
    expect(await runSecretsRotation({ env, baseDir: dir, cipher: old.rotatedTo("k2"), out: (l) => lines.push(l) })).toBe(0);
    expect(lines.at(-1)).toBe("secrets:rotate: done — re-sealed 2, failed 0");
    expect(lines.join("\n")).not.toMatch(/070707/);
    const stranger = TestKeyring.withKeys("k9");
    expect(await runSecretsRotation({ env, baseDir: dir, cipher: stranger, out: (l) => lines.push(l) })).toBe(1);
  });
});

describe("database options", () => {
  it("use DATABASE_URL when set, else PGlite in MFA_DATA_DIR (default .data/pglite)", () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: "postgres://x@h/db", MFA_DATA_DIR: "ignored" })).toEqual({ url: "postgres://x@h/db" });
    expect(databaseOptionsFromEnv({}, "/srv")).toEqual({ dataDir: "/srv/.data/pglite" });
    expect(databaseOptionsFromEnv({ MFA_DATA_DIR: "/var/lib/mfa" }, "/srv")).toEqual({ dataDir: "/var/lib/mfa" });
    expect(databaseOptionsFromEnv({ MFA_DATA_DIR: "memory://" })).toEqual({ dataDir: "memory://" });
  });

  it("describe a server without its password", () => {
    expect(redactUrl("postgres://app:s3cret@db.internal:5432/mfa")).toBe("postgres://app:***@db.internal:5432/mfa");
    expect(createDatabase({ url: "postgres://app:s3cret@127.0.0.1:1/mfa" }).description).not.toContain("s3cret");
  });
});

describe("the embedded data folder is one process's", () => {
  it("refuses a second opening while the first is open, and allows it after close or when the owner is gone", async () => {
    const dir = join(tempFolder(), "pglite");
    const first = createDatabase({ dataDir: dir });
    expect(() => createDatabase({ dataDir: dir })).toThrow(DataDirInUseError);
    expect(() => createDatabase({ dataDir: dir })).toThrow(/in use by process \d+/);
    await first.close();
    const second = createDatabase({ dataDir: dir });
    await second.close();
    // A lock left by a process that no longer exists is taken over.
    writeFileSync(`${dir}.lock`, "999999999");
    const third = createDatabase({ dataDir: dir });
    await third.close();
  });
});

describe("prepared hot-path queries", () => {
  it("re-run their SQL with new values (a value used twice, constants kept), and refuse misuse", async () => {
    const { prepared } = await import("../src/database/prepared.js");
    const db = database.current.db;
    const q = prepared(2, (d, a: number, b: string) =>
      d
        .selectFrom("tenants")
        .select((eb) => [eb.val(a).as("a1"), eb.val(a).as("a2"), eb.val(b).as("b"), eb.val("const").as("c")])
        .limit(1),
    );
    await db
      .insertInto("tenants")
      .values({ id: `prep-${Date.now()}`, name: "prep", created_at: new Date() })
      .execute();
    expect((await q.execute(db, 1, "x")).rows).toEqual([{ a1: "1", a2: "1", b: "x", c: "const" }]);
    expect((await q.execute(db, 7, "y")).rows).toEqual([{ a1: "7", a2: "7", b: "y", c: "const" }]);
    await expect(q.execute(db, 1, undefined as unknown as string)).rejects.toThrow(/undefined/);
    const unused = prepared(2, (d, a: string, _b: string) => d.selectFrom("tenants").select("id").where("id", "=", a));
    await expect(unused.execute(db, "prep", "nothing")).rejects.toThrow(/do not reach the SQL/);
  });
});
