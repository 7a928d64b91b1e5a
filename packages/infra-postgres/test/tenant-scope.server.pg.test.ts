// Every statement the repositories run on a sharded table filters by tenant_id (ARCHITECTURE.md: "every query filters
// by it"; on Citus, what routes a statement to one shard). The statements are captured while every storage contract
// suite runs, plus the calls the contracts do not make (tenants and API keys, the audit chain, secret rotation), then
// planned by PostgreSQL and judged by support/tenant-scope.ts. Every method of every repository class must have run,
// so a new method is checked as soon as it exists; planted queries without the filter show the check fails.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { describeStorageContracts, sampleCredential, sampleEvent, sampleVaultEntry, T0 } from "@mfa-chain/testing/contracts";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as storage from "../src/index.js";
import { sealAllAuditChains, sealAuditChain, verifyAuditChain } from "../src/audit/audit-chain.js";
import { PostgresAuditLog, PostgresAuditReader } from "../src/repositories/audit.repository.js";
import { PostgresCredentialRepository } from "../src/repositories/credential.repository.js";
import { PostgresApiKeyRepository, PostgresTenantRepository } from "../src/repositories/tenant.repository.js";
import { rotateSecrets } from "../src/secrets/rotate-secrets.js";
import { PostgresVaultRepository } from "../src/repositories/vault.repository.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { PostgresIdempotencyStore } from "../src/idempotency/idempotency.store.js";
import { vaultSecretBinding, type UnitOfWork } from "@mfa-chain/application";
import {
  capturingDatabase,
  checkTenantScope,
  conjuncts,
  CROSS_TENANT_STATEMENTS,
  fixesTenant,
  type Statement,
} from "./support/tenant-scope.js";
import { TestKeyring } from "./support/test-keyring.js";

const database = useTestDatabase("tenant_scope");
let capture: ReturnType<typeof capturingDatabase>;
let client: pg.Client;

beforeAll(async () => {
  capture = capturingDatabase(database.url);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await capture?.close();
  await client?.end();
});

// Every class the package exports (its repositories, stores, units of work), but its errors and the PGlite driver,
// each method counted when it runs: a class or method added later must run here too, so its statements are checked.
const NOT_STATEMENT_MAKERS = new Set(["PGliteDialect"]);
const repositoryClasses = (Object.entries(storage) as [string, unknown][]).filter(
  (entry): entry is [string, new (...args: never[]) => object] =>
    typeof entry[1] === "function" &&
    /^class\b/.test(Function.prototype.toString.call(entry[1])) &&
    !(entry[1].prototype instanceof Error) &&
    !NOT_STATEMENT_MAKERS.has(entry[0]),
);
const ran = new Set<string>();
for (const [name, cls] of repositoryClasses) {
  const prototype = cls.prototype as Record<string, unknown>;
  for (const method of Object.getOwnPropertyNames(prototype)) {
    const original = prototype[method];
    if (method === "constructor" || typeof original !== "function") continue;
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      ran.add(`${name}.${method}`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}

describeStorageContracts("PostgreSQL server, every statement captured", () => ({
  uow: new PostgresUnitOfWork(capture.db),
  auditReader: new PostgresAuditReader(capture.db),
}));

describe("what the port contracts do not call", () => {
  it("tenants and API keys", async () => {
    const tenants = new PostgresTenantRepository(capture.db);
    const keys = new PostgresApiKeyRepository(capture.db);
    await tenants.insert({ id: "scope-acme", name: "Acme", createdAt: T0 });
    expect(await tenants.find("scope-acme")).not.toBeNull();
    const key = {
      tenantId: "scope-acme",
      id: "k1",
      name: "server",
      keyHash: "a".repeat(64),
      role: "admin" as const,
      createdAt: T0,
      revokedAt: null,
    };
    await keys.insert(key);
    expect(await keys.findByHash(key.keyHash)).toEqual(key);
    expect(await keys.revoke("scope-acme", { id: "k1" }, T0 + 1)).toEqual(["k1"]);
    expect(await keys.revoke("scope-acme", { name: "server" }, T0 + 2)).toEqual([]);
  });

  it("the audit chain: sealing one tenant, every tenant, and verifying", async () => {
    await new PostgresAuditLog(capture.db).append(sampleEvent("scope-audit"), sampleEvent("scope-audit", { type: "attempt.started" }));
    expect((await sealAuditChain(capture.db, "scope-audit", { batchSize: 1 })).sealed).toBe(2);
    await new PostgresAuditLog(capture.db).append(sampleEvent("scope-audit"));
    expect((await sealAllAuditChains(capture.db)).sealed).toBeGreaterThanOrEqual(1);
    expect(await verifyAuditChain(capture.db, "scope-audit", { pageSize: 2 })).toMatchObject({ ok: true, checked: 3 });
  });

  it("re-sealing every secret after a key rotation", async () => {
    const keyring = TestKeyring.withKeys("old");
    const credentials = new PostgresCredentialRepository(capture.db);
    for (const id of ["c1", "c2"]) {
      const binding = { tenantId: "scope-rotate", userId: "alice", credentialId: id };
      await credentials.insert(sampleCredential("scope-rotate", id, { secret: keyring.seal(new Uint8Array(20).fill(7), binding) }));
    }
    const vault = new PostgresVaultRepository(capture.db);
    for (const id of ["ve_1", "ve_2"]) {
      const secret = keyring.seal(new Uint8Array(20).fill(9), vaultSecretBinding("scope-rotate", id));
      await vault.insert(sampleVaultEntry("scope-rotate", id, { name: id, secret }));
    }
    const report = await rotateSecrets(capture.db, keyring.rotatedTo("new"), { batchSize: 1 });
    expect(report.resealed).toBe(4);
  });

  it("idempotency keys: a first run, a replay, another request under the key, an expired key, a server error, the purge", async () => {
    const store = new PostgresIdempotencyStore(capture.db, TestKeyring.withKeys("k1"), 60_000);
    const scope = { tenantId: "scope-idem", key: "retry-1", fingerprint: "a".repeat(64), now: T0 };
    const answer = { status: 201, headers: {}, body: "{}" };
    const work = async (uow: UnitOfWork) => {
      await uow.run((repos) => repos.users.lock("scope-idem", "alice", T0));
      return answer;
    };
    expect((await store.runOnce(scope, work)).kind).toBe("ran");
    expect(await store.runOnce(scope, work)).toEqual({ kind: "replayed", answer });
    expect((await store.runOnce({ ...scope, fingerprint: "b".repeat(64) }, work)).kind).toBe("mismatch");
    expect((await store.runOnce({ ...scope, now: T0 + 120_000 }, work)).kind).toBe("ran");
    expect((await store.runOnce({ ...scope, key: "retry-2" }, async () => ({ status: 500, headers: {}, body: "" }))).kind).toBe("ran");
    expect(await store.purgeExpired(T0 + 10 * 60_000)).toBeGreaterThanOrEqual(1);
  });
});

describe("every statement the repositories ran", () => {
  it("came from every method of every repository class", () => {
    expect(repositoryClasses.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining([
        "PostgresApiKeyRepository",
        "PostgresAttemptRepository",
        "PostgresIdempotencyStore",
        "PostgresUnitOfWork",
        "PostgresAuditLog",
        "PostgresAuditReader",
        "PostgresCredentialRepository",
        "PostgresLockoutRepository",
        "PostgresPolicyRepository",
        "PostgresStepRepository",
        "PostgresUserRepository",
        "PostgresTenantRepository",
      ]),
    );
    const methods = repositoryClasses.flatMap(([name, cls]) =>
      Object.getOwnPropertyNames(cls.prototype)
        .filter((m) => m !== "constructor")
        .map((m) => `${name}.${m}`),
    );
    // A method no contract and no call above ran: exercise it in "what the port contracts do not call".
    expect(methods.filter((m) => !ran.has(m))).toEqual([]);
  });

  it("filters every sharded table by tenant_id, except the declared cross-tenant statements", async () => {
    const { problems, planned, scopedScans, crossTenantUsed } = await checkTenantScope(client, capture.statements);
    // Not vacuous: some 55 distinct statements, their scans of sharded tables all scoped (inserts have none).
    expect(planned).toBeGreaterThan(40);
    expect(scopedScans).toBeGreaterThan(30);
    expect(problems.map((p) => `${p.message}\n    ${p.sql}`)).toEqual([]);
    // Each declared exception still matches a statement (or it is stale and goes).
    expect(CROSS_TENANT_STATEMENTS.filter((c) => !crossTenantUsed.has(c)).map((c) => c.sql.source)).toEqual([]);
  });

  it("fails a planted query without tenant_id, built or hand-written, and one whose tenant_id is only OR-ed", async () => {
    const planted = capturingDatabase(database.url);
    try {
      await planted.db.selectFrom("attempts").selectAll().where("id", "=", "a1").execute();
      await planted.db.updateTable("credentials").set({ counter: 1 }).where("id", "=", "c1").execute();
      await sql`select count(*) from lockouts l join users u on u.user_id = l.user_id where u.tenant_id = ${"acme"}`.execute(planted.db);
      await planted.db
        .selectFrom("policies")
        .selectAll()
        .where((eb) => eb.or([eb("tenant_id", "=", "acme"), eb("policy_id", "=", "login")]))
        .execute();
      // Scoped ones pass: the tenants reference table needs no filter.
      await planted.db.selectFrom("tenants").selectAll().execute();
      await planted.db.selectFrom("users").selectAll().where("tenant_id", "=", "acme").where("user_id", "=", "alice").execute();
      const { problems } = await checkTenantScope(client, planted.statements);
      // The lockouts scan of the join is unscoped although its users side is scoped: each table is judged on its own.
      expect(problems.map((p) => p.table).sort()).toEqual(["attempts", "credentials", "lockouts", "policies"]);
      for (const p of problems) expect(p.message).toMatch(/is not filtered by tenant_id = <value>.*would run on every shard/);
    } finally {
      await planted.close();
    }
  });

  it("reports a statement it cannot plan instead of passing it", async () => {
    const broken: Statement[] = [{ sql: `select * from attempts where tenant_id = $1`, parameters: [] }];
    const { problems } = await checkTenantScope(client, broken);
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^could not be planned, so it was not checked: /)]);
  });

  it("reads AND-ed conditions, not OR-ed ones or look-alikes", () => {
    expect(conjuncts("((tenant_id = 'a'::text) AND ((id = 'b'::text) AND (x > 1)))")).toEqual([
      "tenant_id = 'a'::text",
      "id = 'b'::text",
      "x > 1",
    ]);
    expect(fixesTenant(["((a.tenant_id = 'it''s AND (x'::text) AND (a.id = 'b'::text))"])).toBe(true);
    expect(fixesTenant(["((tenant_id = 'a'::text) OR (id = 'b'::text))"])).toBe(false);
    expect(fixesTenant(["(other_tenant_id = 'a'::text)", "(tenant_id <> 'a'::text)", "(tenant_id = other.tenant_id)"])).toBe(false);
  });
});
