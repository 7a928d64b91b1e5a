// Tenants and API keys through the use cases: every change audited, nothing changed by a refused request, and a
// revoked key resolving to nobody.
import { TestApp } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

describe("tenants and API keys", () => {
  let app: TestApp;
  beforeEach(() => {
    app = new TestApp();
  });

  const events = (tenantId: string) => app.store.auditEvents(tenantId).map((e) => ({ type: e.type, actor: e.actor, data: e.data }));

  it("creates a tenant with a first key, audited, and the key resolves to the tenant and role", async () => {
    const created = await app.createTenant.execute({ tenantId: "acme", name: " Acme Inc ", role: "admin" });
    if (!created.ok) throw new Error(created.error.message);
    expect(created.value).toMatchObject({ tenantId: "acme", role: "admin", apiKey: "test_key_1" });
    expect(await app.resolveApiKey.execute(app.keys.hash(created.value.apiKey))).toEqual({
      tenantId: "acme",
      keyId: created.value.keyId,
      role: "admin",
    });
    expect(events("acme")).toEqual([
      { type: "tenant.created", actor: { kind: "system" }, data: { name: "Acme Inc" } },
      { type: "api_key.issued", actor: { kind: "system" }, data: { keyId: created.value.keyId, name: "admin key", role: "admin" } },
    ]);
    // S26 and no secrets in the audit: the key itself is in no event.
    expect(JSON.stringify(app.store.auditEvents("acme"))).not.toContain(created.value.apiKey);
  });

  it("refuses a second tenant of the same id and changes nothing", async () => {
    await app.createTenant.execute({ tenantId: "acme", name: "Acme", role: "admin" });
    const before = app.store.auditEvents("acme").length;
    const again = await app.createTenant.execute({ tenantId: "acme", name: "Other", role: "service" });
    expect(again).toMatchObject({ ok: false, error: { code: "tenant_exists" } });
    expect(app.store.auditEvents("acme")).toHaveLength(before);
    expect(await app.resolveApiKey.execute(app.keys.hash("test_key_2"))).toBeNull();
  });

  it.each([
    ["an id with capitals", { tenantId: "Acme", name: "Acme", role: "admin" }],
    ["an empty id", { tenantId: "", name: "Acme", role: "admin" }],
    ["a blank name", { tenantId: "acme", name: "  ", role: "admin" }],
    ["a name with a control character", { tenantId: "acme", name: "Ac\u0007me", role: "admin" }],
    ["an unknown role", { tenantId: "acme", name: "Acme", role: "root" }],
  ])("refuses %s as invalid input", async (_what, input) => {
    const result = await app.createTenant.execute(input as { tenantId: string; name: string; role: "admin" });
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(app.transactions.committed).toBe(0);
  });

  it("issues a key only for an existing tenant", async () => {
    expect(await app.issueApiKey.execute({ tenantId: "nobody", name: "ci", role: "service" })).toMatchObject({
      ok: false,
      error: { code: "tenant_not_found" },
    });
    await app.createTenant.execute({ tenantId: "acme", name: "Acme", role: "admin" });
    const issued = await app.issueApiKey.execute({ tenantId: "acme", name: "ci", role: "service" });
    expect(issued).toMatchObject({ ok: true, value: { tenantId: "acme", role: "service" } });
  });

  it("re-issuing with `replacing` revokes the live keys of that name in the same transaction, each audited", async () => {
    await app.createTenant.execute({ tenantId: "acme", name: "Acme", role: "admin" });
    const first = await app.issueApiKey.execute({ tenantId: "acme", name: "ci", role: "service" });
    const other = await app.issueApiKey.execute({ tenantId: "acme", name: "backup", role: "service" });
    const second = await app.issueApiKey.execute({ tenantId: "acme", name: "ci", role: "service", replacing: true });
    if (!first.ok || !other.ok || !second.ok) throw new Error("set-up failed");
    expect(await app.resolveApiKey.execute(app.keys.hash(first.value.apiKey))).toBeNull();
    expect(await app.resolveApiKey.execute(app.keys.hash(other.value.apiKey))).not.toBeNull();
    expect(await app.resolveApiKey.execute(app.keys.hash(second.value.apiKey))).not.toBeNull();
    expect(events("acme").filter((e) => e.type === "api_key.revoked")).toEqual([
      { type: "api_key.revoked", actor: { kind: "system" }, data: { keyId: first.value.keyId, name: "ci", reason: "replaced" } },
    ]);
  });

  it("revokes a key once: it resolves to nobody afterwards, a second revocation is api_key_not_found", async () => {
    const created = await app.createTenant.execute({ tenantId: "acme", name: "Acme", role: "admin" });
    if (!created.ok) throw new Error(created.error.message);
    const { keyId, apiKey } = created.value;
    expect(await app.revokeApiKey.execute({ tenantId: "acme", keyId })).toEqual({ ok: true, value: { keyId } });
    expect(await app.resolveApiKey.execute(app.keys.hash(apiKey))).toBeNull();
    expect(await app.revokeApiKey.execute({ tenantId: "acme", keyId })).toMatchObject({ ok: false, error: { code: "api_key_not_found" } });
    expect(events("acme").filter((e) => e.type === "api_key.revoked")).toHaveLength(1);
  });

  it("revokes only within the tenant that owns the key", async () => {
    const acme = await app.createTenant.execute({ tenantId: "acme", name: "Acme", role: "admin" });
    await app.createTenant.execute({ tenantId: "globex", name: "Globex", role: "admin" });
    if (!acme.ok) throw new Error(acme.error.message);
    expect(await app.revokeApiKey.execute({ tenantId: "globex", keyId: acme.value.keyId })).toMatchObject({
      ok: false,
      error: { code: "api_key_not_found" },
    });
    expect(await app.resolveApiKey.execute(app.keys.hash(acme.value.apiKey))).not.toBeNull();
  });
});
