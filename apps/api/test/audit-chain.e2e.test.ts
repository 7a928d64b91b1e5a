// GET /v1/audit-chain on a real PostgreSQL (issue 15, the console's audit screen): the tenant's sealed chain checks out,
// unsealed events are counted apart, and an event changed in the database afterwards is named with the reason. Another
// tenant's chain is its own.
import { sealAuditChain } from "@mfa-chain/infra-postgres";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, twoFactorPolicy, uniqueId, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_audit_chain");
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi(database.url);
});
afterAll(async () => {
  await api?.close();
});

describe("GET /v1/audit-chain", () => {
  it("verifies a tenant's sealed events and counts the unsealed ones apart", async () => {
    const { tenantId, client } = await api.tenant("admin");
    expect((await client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
    const before = await client.get("/v1/audit-chain");
    expect(before.status).toBe(200);
    expect(before.headers.get("cache-control")).toBe("no-store");
    expect(before.body).toMatchObject({ ok: true, checked: 0 });
    expect(before.body.unsealed).toBeGreaterThan(0);
    await sealAuditChain(api.server.database.db, tenantId);
    expect((await client.post(`/v1/users/${uniqueId("u")}/unlock`)).status).toBe(200);
    const after = await client.get("/v1/audit-chain");
    expect(after.body).toMatchObject({ ok: true, checked: before.body.unsealed, unsealed: 1 });
    expect(after.body.head).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names the first event changed after sealing, and why; another tenant's chain still verifies", async () => {
    const { tenantId, client } = await api.tenant("admin");
    const other = await api.tenant("admin");
    for (const id of ["a", "b", "c"]) expect((await client.post("/v1/policies", twoFactorPolicy(id))).status).toBe(201);
    expect((await other.client.post("/v1/policies", twoFactorPolicy("x"))).status).toBe(201);
    await sealAuditChain(api.server.database.db, tenantId);
    await sealAuditChain(api.server.database.db, other.tenantId);
    const events = (await client.get("/v1/audit-events?type=policy.created")).body.events as { seq: number }[];
    const target = events[1]?.seq as number;
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      // What an intruder with the database's own rights would do: the append-only trigger off, one event rewritten.
      await db.query("begin");
      await db.query("alter table audit_events disable trigger audit_events_append_only");
      await db.query(`update audit_events set data = '{"policyId":"forged"}' where tenant_id = $1 and seq = $2`, [tenantId, target]);
      await db.query("alter table audit_events enable trigger audit_events_append_only");
      await db.query("commit");
    } finally {
      await db.end();
    }
    const broken = await client.get("/v1/audit-chain");
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ ok: false, firstBadSeq: target, reason: "hash_mismatch" });
    expect((await other.client.get("/v1/audit-chain")).body).toMatchObject({ ok: true, checked: 3 });
  });

  it("takes no query parameters", async () => {
    const { client } = await api.tenant("admin");
    const r = await client.get("/v1/audit-chain?deep=1");
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("invalid_request");
  });
});
