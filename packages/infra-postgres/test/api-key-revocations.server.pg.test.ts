// A revoked API key is announced to every process when its transaction commits, and only then; a listener whose
// connection is cut says so (live false) and listens again by itself.
import { createHash } from "node:crypto";
import { T0 } from "@mfa-chain/testing/contracts";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { MfaDatabase } from "../src/database/create-database.js";
import type { RevocationWatch } from "../src/database/api-key-revocations.js";
import { migrateToLatest } from "../src/migrate.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { usePGlite, useServerDatabase, type DatabaseRef } from "./support/databases.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function recorder() {
  const heard: string[] = [];
  const states: boolean[] = [];
  return { heard, states, handlers: { revoked: (h: string) => heard.push(h), live: (l: boolean) => states.push(l) } };
}

async function givenKeys(database: MfaDatabase, tenantId: string, ...ids: string[]): Promise<void> {
  await new PostgresUnitOfWork(database.db).run(async (repos) => {
    await repos.tenants.insert({ id: tenantId, name: tenantId, createdAt: T0 });
    for (const id of ids) {
      await repos.apiKeys.insert({
        tenantId,
        id,
        name: "ci",
        keyHash: sha256(`${tenantId}/${id}`),
        role: "service",
        createdAt: T0,
        revokedAt: null,
      });
    }
  });
}

const watches: RevocationWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.close()));
});

function describeRevocations(name: string, open: () => DatabaseRef) {
  describe(name, () => {
    const database = open();

    it("hears a committed revocation, one hash per key, and nothing of a rolled-back one", async () => {
      const db = database.current;
      await migrateToLatest(db.db);
      await givenKeys(db, `${name}-a`, "k1", "k2", "k3");
      const r = recorder();
      watches.push(db.watchApiKeyRevocations(r.handlers));
      await until(() => r.states.at(-1) === true, "the listener to be live");

      await expect(
        new PostgresUnitOfWork(db.db).run(async (repos) => {
          expect(await repos.apiKeys.revoke(`${name}-a`, { id: "k1" }, T0 + 1)).toEqual(["k1"]);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      const ids = await new PostgresUnitOfWork(db.db).run((repos) => repos.apiKeys.revoke(`${name}-a`, { name: "ci" }, T0 + 2));
      expect(ids.sort()).toEqual(["k1", "k2", "k3"]);
      await until(() => r.heard.length >= 3, "three notifications");
      await new Promise((done) => setTimeout(done, 100));
      expect(r.heard.sort()).toEqual(["k1", "k2", "k3"].map((id) => sha256(`${name}-a/${id}`)).sort());
    });
  });
}

describeRevocations("PGlite", () => usePGlite());
describeRevocations("PostgreSQL", () => useServerDatabase("key-revocations"));

describe("PostgreSQL: the listening connection", () => {
  const database = useServerDatabase("key-revocations-cut");

  it("reports itself not live when its backend is terminated, listens again, and hears the next revocation", async () => {
    const db = database.current;
    await migrateToLatest(db.db);
    await givenKeys(db, "cut", "k1");
    const r = recorder();
    watches.push(db.watchApiKeyRevocations(r.handlers, { retryMs: { first: 50, max: 200 } }));
    await until(() => r.states.at(-1) === true, "the listener to be live");
    const terminated = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where application_name = 'mfa-chain key revocations' and datname = current_database()`.execute(db.db);
    expect(terminated.rows[0]?.n).toBe(1);
    await until(() => r.states.includes(false, 2), "the listener to report the cut");
    await until(() => r.states.at(-1) === true, "the listener to be live again");
    expect(r.states).toEqual([false, true, false, true]);
    await new PostgresUnitOfWork(db.db).run((repos) => repos.apiKeys.revoke("cut", { id: "k1" }, T0 + 1));
    await until(() => r.heard.length === 1, "the revocation after the reconnect");
    expect(r.heard).toEqual([sha256("cut/k1")]);
  });
});
