// The audit trail's hash chain: sealed after the fact in sequence order into audit_seals, verifiable, and
// tamper-evident; both tables refuse UPDATE, DELETE and TRUNCATE, and a late-committing event is never skipped.
import { sampleEvent, T0 } from "@mfa-chain/testing/contracts";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { chainHash, GENESIS_HASH, sealAllAuditChains, sealAuditChain, unsealedPast, verifyAuditChain } from "../src/audit/audit-chain.js";
import { PostgresAuditLog, PostgresAuditReader } from "../src/repositories/audit.repository.js";
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
        .selectFrom("audit_events as e")
        .leftJoin("audit_seals as s", (j) => j.onRef("s.tenant_id", "=", "e.tenant_id").onRef("s.seq", "=", "e.seq"))
        .select(["e.seq", "s.chain_index", "s.prev_hash", "s.hash"])
        .where("e.tenant_id", "=", t)
        .orderBy("e.seq")
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

    it("refuses UPDATE of an event, sealed or not, DELETE and TRUNCATE; and of a seal", async () => {
      const t = tenant();
      await append(t, 2);
      const [first] = await rows(t);
      const seq = first?.seq as number;
      const refused = /append-only: (UPDATE|DELETE|TRUNCATE) refused/;
      await expect(sql`update audit_events set user_id = 'mallory' where tenant_id = ${t} and seq = ${seq}`.execute(db())).rejects.toThrow(
        refused,
      );
      await sealAuditChain(db(), t);
      await expect(sql`update audit_events set user_id = 'mallory' where tenant_id = ${t} and seq = ${seq}`.execute(db())).rejects.toThrow(
        refused,
      );
      await expect(sql`delete from audit_events where tenant_id = ${t}`.execute(db())).rejects.toThrow(refused);
      await expect(sql`truncate audit_events`.execute(db())).rejects.toThrow(refused);
      await expect(sql`update audit_seals set hash = ${"f".repeat(64)} where tenant_id = ${t}`.execute(db())).rejects.toThrow(refused);
      await expect(sql`delete from audit_seals where tenant_id = ${t}`.execute(db())).rejects.toThrow(refused);
      await expect(sql`truncate audit_seals`.execute(db())).rejects.toThrow(refused);
      expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: true, checked: 2 });
    });

    it("keeps one seal per event and chain indexes unique per tenant (migration 0014)", async () => {
      const t = tenant();
      await append(t, 2);
      await sealAuditChain(db(), t);
      await append(t, 1, 2);
      const [first, , third] = await rows(t);
      expect(third?.chain_index).toBeNull();
      const seal = (chainIndex: number, seq: number) =>
        sql`insert into audit_seals (tenant_id, chain_index, seq, prev_hash, hash)
            values (${t}, ${chainIndex}, ${seq}, ${"a".repeat(64)}, ${"b".repeat(64)})`.execute(db());
      // Refused by the table's keys, not only by the sealer's care: a chain index taken, an event sealed twice.
      await expect(seal(2, third?.seq as number)).rejects.toThrow(/audit_seals_pkey/);
      await expect(seal(3, first?.seq as number)).rejects.toThrow(/audit_seals_seq_key/);
      await sealAuditChain(db(), t);
      expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: true, checked: 3 });
      // An event is written once: no seal column of the event table is ever set, and no index on it serves the sealer.
      const { rows: set } = await sql<{ n: string | number }>`select count(*) as n from audit_events
        where tenant_id = ${t} and (chain_index is not null or hash is not null)`.execute(db());
      expect(Number(set[0]?.n)).toBe(0);
      const { rows: indexes } = await sql<{ name: string }>`select indexname as name from pg_indexes
        where tablename = 'audit_events' order by 1`.execute(db());
      expect(indexes.map((i) => i.name)).toEqual(["audit_events_pkey", "audit_events_user_idx"]);
    });

    it("moves a tenant's cursor up to its newest event once nothing older can still commit, and then finds no work", async () => {
      const t = tenant();
      await append(t, 3);
      await sealAuditChain(db(), t);
      const cursor = () =>
        db().selectFrom("audit_seal_cursors").select(["through_seq", "pending_seq"]).where("tenant_id", "=", t).executeTakeFirstOrThrow();
      const newest = (await rows(t))[2]?.seq as number;
      // The first round notes the step; the next one, with no transaction of that moment running, takes it.
      expect(await cursor()).toEqual({ through_seq: 0, pending_seq: newest });
      await sealAuditChain(db(), t);
      expect(await cursor()).toEqual({ through_seq: newest, pending_seq: null });
      expect(await sealAllAuditChains(db())).toMatchObject({ sealed: 0 });
      expect(await verifyAuditChain(db(), t)).toEqual({ ok: true, checked: 3, unsealed: 0, head: (await rows(t))[2]?.hash });
    });

    it("counts an unsealed event the cursor has passed: the check does not rely on the sealer's cursor", async () => {
      const t = tenant();
      await append(t, 2);
      await sealAuditChain(db(), t);
      await append(t, 1, 2);
      const newest = (await rows(t))[2]?.seq as number;
      // As if the sealer had moved its cursor past an event it never sealed.
      await sql`update audit_seal_cursors set through_seq = ${newest}, pending_seq = null, pending_vxids = null
        where tenant_id = ${t}`.execute(db());
      expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: true, checked: 2, unsealed: 1 });
    });

    describe("detects tampering by someone who gets past the trigger", () => {
      const tamper = async (statement: ReturnType<typeof sql>) => {
        await db()
          .transaction()
          .execute(async (trx) => {
            await sql`alter table audit_events disable trigger audit_events_append_only`.execute(trx);
            await sql`alter table audit_seals disable trigger audit_seals_append_only`.execute(trx);
            await statement.execute(trx);
            await sql`alter table audit_seals enable trigger audit_seals_append_only`.execute(trx);
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
        await tamper(sql`update audit_events set user_id = 'mallory' where tenant_id = ${t} and seq = ${all[1]?.seq}`);
        await tamper(
          sql`update audit_seals set hash = ${chainHash(all[0]?.hash as string, forged)} where tenant_id = ${t} and seq = ${all[1]?.seq}`,
        );
        expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: false, firstBadSeq: all[2]?.seq, reason: "broken_link" });
      });

      it("a deleted event: its seal names it", async () => {
        const t = tenant();
        await append(t, 3);
        await sealAuditChain(db(), t);
        const all = await rows(t);
        await tamper(sql`delete from audit_events where tenant_id = ${t} and seq = ${all[1]?.seq}`);
        expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: false, firstBadSeq: all[1]?.seq, reason: "missing_event" });
      });

      it("a deleted event and its seal: the chain index has a gap", async () => {
        const t = tenant();
        await append(t, 3);
        await sealAuditChain(db(), t);
        const all = await rows(t);
        await tamper(sql`delete from audit_events where tenant_id = ${t} and seq = ${all[1]?.seq}`);
        await tamper(sql`delete from audit_seals where tenant_id = ${t} and seq = ${all[1]?.seq}`);
        expect(await verifyAuditChain(db(), t)).toMatchObject({ ok: false, firstBadSeq: all[2]?.seq, reason: "missing_event" });
      });
    });
  });
}

describeAuditChain("PGlite", pglite);
describeAuditChain("PostgreSQL server", server);

describe("audit sealing on PostgreSQL under concurrency", () => {
  it("seals an event whose transaction commits after later events were sealed, never moving the cursor past it meanwhile", async () => {
    const t = `audit-late-${Date.now()}`;
    const db = server.current.db;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let drawn!: (seq: number) => void;
    const lateSeq = new Promise<number>((resolve) => (drawn = resolve));
    // A transaction that draws its event's seq first and commits last.
    const late = db.transaction().execute(async (trx) => {
      await new PostgresAuditLog(trx).append(sampleEvent(t, { data: { late: true } }));
      drawn((await trx.selectFrom("audit_events").select("seq").where("tenant_id", "=", t).executeTakeFirstOrThrow()).seq);
      await released;
    });
    const seq = await lateSeq;
    await new PostgresUnitOfWork(db).run(async (r) => {
      for (let i = 0; i < 3; i++) await r.audit.append(sampleEvent(t, { data: { i } }));
    });
    for (let round = 0; round < 3; round++) expect(await sealAuditChain(db, t)).toEqual({ sealed: round === 0 ? 3 : 0 });
    const cursor = await db
      .selectFrom("audit_seal_cursors")
      .select(["through_seq", "pending_seq"])
      .where("tenant_id", "=", t)
      .executeTakeFirstOrThrow();
    // The later events are sealed and their largest seq noted, but while the late transaction runs the cursor stays
    // below its event: moved to the largest seq sealed, it would pass over the event for good.
    expect(cursor.pending_seq).toBeGreaterThan(seq);
    expect(cursor.through_seq).toBeLessThan(seq);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 3, unsealed: 0 });
    release();
    await late;
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 3, unsealed: 1 });
    expect(await sealAuditChain(db, t)).toEqual({ sealed: 1 });
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 4, unsealed: 0 });
    const sealed = await db
      .selectFrom("audit_seals")
      .select("chain_index")
      .where("tenant_id", "=", t)
      .where("seq", "=", seq)
      .executeTakeFirstOrThrow();
    expect(sealed.chain_index).toBe(4);
  });

  it("looks up each event's seal by its key, also when the statistics predate the tenant's events", async () => {
    // Statistics taken before a tenant's first events say it has none; planned on them, a `not exists` anti-join
    // scanned all of the tenant's seals for every event it checked (quadratic: 30,000 events took 51 s to seal).
    const t = `audit-burst-${Date.now()}`;
    const db = server.current.db;
    await sql`analyze audit_events, audit_seals`.execute(db);
    await sql`insert into audit_events (tenant_id, at, type, actor_kind, actor_id, data)
      select ${t}, now(), 'attempt.step_succeeded', 'api_key', 'k', '{}' from generate_series(1, 300)`.execute(db);
    expect(await sealAuditChain(db, t, { batchSize: 100 })).toEqual({ sealed: 300 });
    await sql`insert into audit_events (tenant_id, at, type, actor_kind, actor_id, data)
      select ${t}, now(), 'attempt.step_succeeded', 'api_key', 'k', '{}' from generate_series(1, 300)`.execute(db);
    const query = unsealedPast(db, t, 0).select("e.seq").orderBy("e.seq").limit(100).compile();
    const explained = await db.executeQuery<{ "QUERY PLAN": unknown }>({ ...query, sql: `explain (format json) ${query.sql}` });
    const scans: Array<Record<string, unknown>> = [];
    const walk = (node: Record<string, unknown>) => {
      if (node["Relation Name"] === "audit_seals") scans.push(node);
      for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
    };
    walk((explained.rows[0]!["QUERY PLAN"] as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
    expect(scans.length).toBe(1);
    expect(String(scans[0]!["Index Cond"])).toMatch(/\bseq = e\.seq\b/);
    expect(await sealAuditChain(db, t, { batchSize: 100 })).toEqual({ sealed: 300 });
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 600, unsealed: 0 });
  });

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
