import { describe, expect, it } from "vitest";
import { adminKey, errorOf, serviceKey, TEST_TENANT, TestApp, unwrap, fakeOtpCode } from "../testing/index.js";
import { vaultRequester, type VaultSeed } from "./vault.use-case.js";

const SEED = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const seed = (over: Partial<VaultSeed> = {}): VaultSeed => ({
  type: "totp",
  secret: new Uint8Array(SEED),
  issuer: "Acme",
  accountName: "team@acme.test",
  algorithm: "SHA1",
  digits: 6,
  period: 30,
  counter: null,
  ...over,
});
const admin = vaultRequester(adminKey(), null, "192.0.2.1");
const as = (userId: string) => vaultRequester(serviceKey(), userId, "192.0.2.7");

async function givenEntry(app: TestApp, over: Partial<VaultSeed> = {}, name = "Payroll") {
  return unwrap(await app.vault.add.execute({ requester: admin, name, tags: ["hr"], notes: "shared", seed: seed(over) }), "add");
}

describe("AddVaultEntry", () => {
  it("seals the seed bound to tenant and entry, keeps every parameter, wipes the caller's bytes, and audits", async () => {
    const app = new TestApp();
    const secret = new Uint8Array(SEED);
    const view = unwrap(
      await app.vault.add.execute({
        requester: admin,
        name: "Payroll",
        seed: { ...seed({ algorithm: "SHA512", digits: 8, period: 60 }), secret },
      }),
    );
    expect(view).toMatchObject({ name: "Payroll", type: "totp", algorithm: "SHA512", digits: 8, period: 60, counter: null });
    expect(view).not.toHaveProperty("secret");
    expect(secret.every((b) => b === 0)).toBe(true);
    const [stored] = app.store.vaultEntries(TEST_TENANT);
    expect(Buffer.from(stored?.secret.ciphertext ?? []).includes(Buffer.from(SEED))).toBe(false);
    expect(app.cipher.open(stored!.secret, { tenantId: TEST_TENANT, userId: "vault", credentialId: view.id })).toEqual(SEED);
    expect(() => app.cipher.open(stored!.secret, { tenantId: "other", userId: "vault", credentialId: view.id })).toThrow();
    const events = app.store.auditEvents(TEST_TENANT);
    expect(events.map((e) => e.type)).toEqual(["vault.entry_added"]);
    expect(JSON.stringify(events)).not.toContain(Buffer.from(SEED).toString("hex"));
  });

  it("refuses bad seeds naming every problem, and a second entry of the same name", async () => {
    const app = new TestApp();
    const bad = errorOf(await app.vault.add.execute({ requester: admin, name: "", seed: seed({ digits: 7, secret: new Uint8Array(9) }) }));
    expect(bad.code).toBe("invalid_seed");
    expect(bad.message).toMatch(/secret: under 80 bits.*digits: expected 6 or 8, got 7.*name: must not be empty/);
    await givenEntry(app);
    expect(errorOf(await app.vault.add.execute({ requester: admin, name: "Payroll", seed: seed() })).code).toBe("vault_entry_exists");
    expect(app.store.vaultEntries(TEST_TENANT)).toHaveLength(1);
  });

  it("a service key must name its user; that user may then manage the entry", async () => {
    const app = new TestApp();
    const anonymous = vaultRequester(serviceKey(), null, null);
    expect(errorOf(await app.vault.add.execute({ requester: anonymous, name: "x", seed: seed() })).code).toBe("forbidden");
    const view = unwrap(await app.vault.add.execute({ requester: as("alice"), name: "x", seed: seed() }));
    expect(view.grants).toEqual([{ principal: { kind: "user", id: "alice" }, permission: "manage" }]);
    expect(unwrap(await app.vault.readCode.execute({ requester: as("alice"), entryId: view.id })).code).toMatch(/^\d{6}$/);
  });
});

describe("ReadVaultCode", () => {
  it("gives the TOTP code of now with its remaining seconds, and the next code under 5 seconds", async () => {
    const app = new TestApp();
    const entry = await givenEntry(app);
    app.clock.set(1_700_000_020_000); // 10 s into a 30 s step (1_700_000_010_000 starts one)
    const read = unwrap(await app.vault.readCode.execute({ requester: admin, entryId: entry.id }));
    const step = Math.floor(1_700_000_020_000 / 30_000);
    expect(read).toEqual({
      entryId: entry.id,
      type: "totp",
      code: fakeOtpCode(SEED, step),
      period: 30,
      remainingSeconds: 20,
      validUntil: (step + 1) * 30_000,
      counter: null,
      next: null,
    });
    app.clock.set((step + 1) * 30_000 - 3_500);
    const late = unwrap(await app.vault.readCode.execute({ requester: admin, entryId: entry.id }));
    expect(late.remainingSeconds).toBe(4);
    expect(late.next).toEqual({ code: fakeOtpCode(SEED, step + 1), validUntil: (step + 2) * 30_000 });
  });

  it("moves an HOTP counter one forward per read", async () => {
    const app = new TestApp();
    const entry = await givenEntry(app, { type: "hotp", period: null, counter: 7 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(unwrap(await app.vault.readCode.execute({ requester: admin, entryId: entry.id })));
    expect(codes.map((c) => c.counter)).toEqual([7, 8, 9]);
    expect(codes.map((c) => c.code)).toEqual([7, 8, 9].map((n) => fakeOtpCode(SEED, n)));
    expect(app.store.vaultEntries(TEST_TENANT)[0]?.counter).toBe(10);
  });

  it("audits every read with who, entry, step and client address, and flags a burst", async () => {
    const app = new TestApp();
    const entry = await givenEntry(app);
    unwrap(
      await app.vault.grant.execute({
        requester: admin,
        entryId: entry.id,
        principal: { kind: "user", id: "alice" },
        permission: "read_code",
      }),
    );
    app.clock.set(1_700_000_020_000);
    unwrap(await app.vault.readCode.execute({ requester: as("alice"), entryId: entry.id, readsInWindow: 1, burstThreshold: 2 }));
    unwrap(await app.vault.readCode.execute({ requester: as("alice"), entryId: entry.id, readsInWindow: 3, burstThreshold: 2 }));
    const reads = app.store.auditEvents(TEST_TENANT).filter((e) => e.type.startsWith("vault.code_read") || e.type === "vault.read_burst");
    expect(reads.map((e) => [e.type, e.userId, e.data.entryId, e.data.timeStep, e.data.clientAddress, e.data.burst])).toEqual([
      ["vault.code_read", "alice", entry.id, Math.floor(1_700_000_020_000 / 30_000), "192.0.2.7", false],
      ["vault.code_read", "alice", entry.id, Math.floor(1_700_000_020_000 / 30_000), "192.0.2.7", true],
      ["vault.read_burst", "alice", entry.id, Math.floor(1_700_000_020_000 / 30_000), "192.0.2.7", undefined],
    ]);
  });

  it("refuses a user without a grant (403) and audits the refusal; another tenant's key finds nothing", async () => {
    const app = new TestApp();
    const entry = await givenEntry(app);
    const refused = errorOf(await app.vault.readCode.execute({ requester: as("mallory"), entryId: entry.id }));
    expect(refused.code).toBe("forbidden");
    expect(refused.message).toContain("mallory");
    const denied = app.store.auditEvents(TEST_TENANT).filter((e) => e.type === "vault.access_denied");
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ userId: "mallory", data: { entryId: entry.id, permission: "read_code" } });
    const other = vaultRequester(adminKey("tenant-2"), null, null);
    expect(errorOf(await app.vault.readCode.execute({ requester: other, entryId: entry.id })).code).toBe("vault_entry_not_found");
    expect(unwrap(await app.vault.list.execute({ requester: other }))).toEqual([]);
  });
});

describe("grants and groups", () => {
  it("a group's grant reaches its members; revoking it takes it away; read_code does not allow managing", async () => {
    const app = new TestApp();
    const entry = await givenEntry(app);
    const group = { kind: "group", id: "ops" } as const;
    unwrap(await app.vault.setGroup.execute({ requester: admin, groupId: "ops", members: ["bob"] }));
    unwrap(await app.vault.grant.execute({ requester: admin, entryId: entry.id, principal: group, permission: "read_code" }));
    expect(unwrap(await app.vault.list.execute({ requester: as("bob") })).map((e) => [e.id, e.grants])).toEqual([[entry.id, []]]);
    expect(unwrap(await app.vault.readCode.execute({ requester: as("bob"), entryId: entry.id })).code).toMatch(/^\d{6}$/);
    const manage = await app.vault.grant.execute({
      requester: as("bob"),
      entryId: entry.id,
      principal: { kind: "user", id: "bob" },
      permission: "manage",
    });
    expect(errorOf(manage).code).toBe("forbidden");
    unwrap(await app.vault.revoke.execute({ requester: admin, entryId: entry.id, principal: group, permission: "read_code" }));
    expect(errorOf(await app.vault.readCode.execute({ requester: as("bob"), entryId: entry.id })).code).toBe("forbidden");
    expect(unwrap(await app.vault.list.execute({ requester: as("bob") }))).toEqual([]);
    const again = await app.vault.revoke.execute({ requester: admin, entryId: entry.id, principal: group, permission: "read_code" });
    expect(errorOf(again).code).toBe("vault_grant_not_found");
    expect(errorOf(await app.vault.setGroup.execute({ requester: as("bob"), groupId: "ops", members: [] })).code).toBe("forbidden");
  });

  it("groups are listed for an admin and a console operator (a viewer reads them), never for a service key", async () => {
    const app = new TestApp();
    unwrap(await app.vault.setGroup.execute({ requester: admin, groupId: "ops", members: ["carol", "bob", "bob"] }));
    const viewer = vaultRequester({ ...serviceKey(), operatorId: "op-viewer" }, null, null);
    expect(unwrap(await app.vault.listGroups.execute({ requester: viewer }))).toEqual([{ id: "ops", members: ["bob", "carol"] }]);
    expect(errorOf(await app.vault.listGroups.execute({ requester: as("bob") })).code).toBe("forbidden");
    expect(errorOf(await app.vault.listGroups.execute({ requester: vaultRequester(serviceKey(), null, null) })).code).toBe("forbidden");
    expect(errorOf(await app.vault.setGroup.execute({ requester: viewer, groupId: "ops", members: [] })).code).toBe("forbidden");
  });

  it("a manager grants others and deletes the entry; every change is audited", async () => {
    const app = new TestApp();
    const entry = unwrap(await app.vault.add.execute({ requester: as("alice"), name: "Shared", seed: seed() }));
    unwrap(
      await app.vault.grant.execute({
        requester: as("alice"),
        entryId: entry.id,
        principal: { kind: "user", id: "bob" },
        permission: "read_code",
      }),
    );
    expect(unwrap(await app.vault.get.execute({ requester: as("bob"), entryId: entry.id })).name).toBe("Shared");
    unwrap(await app.vault.delete.execute({ requester: as("alice"), entryId: entry.id }));
    expect(app.store.vaultEntries(TEST_TENANT)).toEqual([]);
    expect(app.store.auditEvents(TEST_TENANT).map((e) => e.type)).toEqual([
      "vault.entry_added",
      "vault.grant_added",
      "vault.entry_deleted",
    ]);
  });
});
