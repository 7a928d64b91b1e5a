// The audit trail's hash chain: sealed after the fact in sequence order, verifiable, and tamper-evident; the table
// refuses UPDATE (other than sealing once), DELETE and TRUNCATE.
import { sampleEvent, T0 } from "@mfa-chain/testing/contracts";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { chainHash, GENESIS_HASH, sealAllAuditChains, sealAuditChain, verifyAuditChain } from "../src/audit/audit-chain.js";
import { PostgresAuditReader } from "../src/repositories/audit.repository.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { usePGlite, useServerDatabase, type DatabaseRef } from "./support/databases.js";

const pglite = usePGlite();
const server = useServerDatabase("audit", { poolSize: 20 });

function describeAuditChain(name: string, database: DatabaseRef) {
  describe(`audit hash chain: ${name}`, () => {
    let n = 0;
    const tenant = () => `audit-${++n}-${Date.now()}`;
    const db = () => database.current.db;
    const append = (t: string, count: number, from = 0) =>
      new PostgresUnitOfWork(db()).run(async (r) => {
        for (let i = from; i < from + count; i++)
          await r.audit.append(sampleEvent(t, { at: T0 + i * 1000, data: { i, z: "last", a: true } }));
      });
    const rows = (t: string) =>
      db()
        .selectFrom("audit_events")
        .select(["seq", "chain_index", "prev_hash", "hash"])
        .where("tenant_id", "=", t)
        .orderBy("seq")
        .execute();

    it("seals unsealed events in sequence order, linking each to the one before", async () => {
      const t = tenant();
      await append(t, 5);
      expect(await sealAuditChain(db(), t, { batchSize: 2 })).toEqual({ sealed: 5 });
      const sealed = await rows(t);
      expect(sealed.map((r) => r.chain_index)).toEqual([1, 2, 3, 4, 5]);
      expect(sealed[0]?.prev_hash).toBe(GENESIS_HASH);
      for (let i = 1; i < sealed.length; i++) expect(sealed[i]?.prev_hash).toBe(sealed[i - 1]?.hash);
      const events = await new PostgresAuditReader(db()).list({ tenantId: t, limit: 10 });
      const first = events[events.length - 1];
      expect(first && chainHash(GENESIS_HASH, first)).toBe(sealed[0]?.hash);
      expect(await verifyAuditChain(db(), t)).toEqual({ ok: true, checked: 5, unsealed: 0, head: sealed[4]?.hash });
    });

    it("extends the chain with later events and seals nothing twice", async () => {
      const t = tenant();
      await append(t, 2);
      await sealAuditChain(db(), t);
      await append(t, 3, 2);
      expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: true, checked: 2, unsealed: 3 });
      expect(await sealAuditChain(db(), t)).toEqual({ sealed: 3 });
      expect(await sealAuditChain(db(), t)).toEqual({ sealed: 0 });
      expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: true, checked: 5, unsealed: 0 });
    });

    it("keeps tenants' chains apart", async () => {
      const [a, b] = [tenant(), tenant()];
      await append(a, 2);
      await append(b, 3);
      await sealAllAuditChains(db());
      expect(await verifyAuditChain(db(), a)).toMatchObject({ ok: true, checked: 2 });
      expect(await verifyAuditChain(db(), b)).toMatchObject({ ok: true, checked: 3 });
      expect((await rows(b))[0]?.prev_hash).toBe(GENESIS_HASH);
    });

    it("refuses UPDATE of an event, re-sealing, DELETE and TRUNCATE", async () => {
      const t = tenant();
      await append(t, 2);
      const [first] = await rows(t);
      const seq = first?.seq as number;
      await expect(sql`update audit_events set user_id = 'mallory' where tenant_id = ${t} and seq = ${seq}`.execute(db())).rejects.toThrow(
        /only sealing/,
      );
      await sealAuditChain(db(), t);
      await expect(
        sql`update audit_events set hash = ${"f".repeat(64)} where tenant_id = ${t} and seq = ${seq}`.execute(db()),
      ).rejects.toThrow(/is sealed/);
      await expect(sql`delete from audit_events where tenant_id = ${t}`.execute(db())).rejects.toThrow(/append-only/);
      await expect(sql`truncate audit_events`.execute(db())).rejects.toThrow(/append-only/);
      expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: true, checked: 2 });
    });

    it("keeps chain indexes unique among sealed events, in an index that holds no unsealed event (migration 0013)", async () => {
      const t = tenant();
      await append(t, 2);
      await sealAuditChain(db(), t);
      await append(t, 1, 2);
      const third = (await rows(t))[2];
      expect(third?.chain_index).toBeNull();
      // Sealing the third event with an index already taken is refused by the index, not only by the sealer's care.
      await expect(
        sql`update audit_events set chain_index = 2, prev_hash = ${"a".repeat(64)}, hash = ${"b".repeat(64)}
            where tenant_id = ${t} and seq = ${third?.seq}`.execute(db()),
      ).rejects.toThrow(/audit_events_chain_index_key/);
      const { rows: definition } = await sql<{
        def: string;
      }>`select pg_get_indexdef('audit_events_chain_index_key'::regclass) as def`.execute(db());
      expect(definition[0]?.def).toMatch(
        /UNIQUE INDEX audit_events_chain_index_key .*\(tenant_id, chain_index\) WHERE \(chain_index IS NOT NULL\)/,
      );
      await sealAuditChain(db(), t);
      expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: true, checked: 3 });
    });

    describe("detects tampering by someone who gets past the trigger", () => {
      const tamper = async (statement: ReturnType<typeof sql>) => {
        await db()
          .transaction()
          .execute(async (trx) => {
            await sql`alter table audit_events disable trigger audit_events_append_only`.execute(trx);
            await statement.execute(trx);
            await sql`alter table audit_events enable trigger audit_events_append_only`.execute(trx);
          });
      };

      it("a changed field: reports the first bad seq", async () => {
        const t = tenant();
        await append(t, 4);
        await sealAuditChain(db(), t);
        const seqs = (await rows(t)).map((r) => r.seq);
        await tamper(sql`update audit_events set data = '{"i": 99}' where tenant_id = ${t} and seq = ${seqs[2]}`);
        expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: false, firstBadSeq: seqs[2], reason: "hash_mismatch" });
      });

      it("a re-hashed event: the next link breaks", async () => {
        const t = tenant();
        await append(t, 3);
        await sealAuditChain(db(), t);
        const all = await rows(t);
        const second = (await new PostgresAuditReader(db()).list({ tenantId: t, limit: 10 })).find((e) => e.seq === all[1]?.seq);
        const forged = { ...(second as NonNullable<typeof second>), userId: "mallory" };
        await tamper(
          sql`update audit_events set user_id = 'mallory', hash = ${chainHash(all[0]?.hash as string, forged)} where tenant_id = ${t} and seq = ${all[1]?.seq}`,
        );
        expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: false, firstBadSeq: all[2]?.seq, reason: "broken_link" });
      });

      it("a deleted event: the chain index has a gap", async () => {
        const t = tenant();
        await append(t, 3);
        await sealAuditChain(db(), t);
        const all = await rows(t);
        await tamper(sql`delete from audit_events where tenant_id = ${t} and seq = ${all[1]?.seq}`);
        expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: false, firstBadSeq: all[2]?.seq, reason: "missing_event" });
      });
    });
  });
}

describeAuditChain("PGlite", pglite);
describeAuditChain("PostgreSQL server", server);

describe("audit sealing on PostgreSQL under concurrency", () => {
  it("sealers running in parallel with appends produce one valid chain", async () => {
    const t = `audit-par-${Date.now()}`;
    const db = server.current.db;
    const appenders = Array.from({ length: 10 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 10; i++) await new PostgresUnitOfWork(db).run((r) => r.audit.append(sampleEvent(t, { data: { w, i } })));
      })(),
    );
    const sealers = Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 10; i++) await sealAuditChain(db, t, { batchSize: 7 });
    });
    await Promise.all([...appenders, ...sealers]);
    await sealAuditChain(db, t);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 100, unsealed: 0 });
  });
});
