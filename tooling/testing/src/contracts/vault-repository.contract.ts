// VaultRepository: entries keep every parameter and their sealed seed; names are unique per tenant; an HOTP counter is
// taken one at a time; grants and groups are per tenant; another tenant sees nothing.
import type { StoredVaultEntry } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { freshTenant, sampleSecret, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

export function sampleVaultEntry(tenantId: string, id: string, overrides: Partial<StoredVaultEntry> = {}): StoredVaultEntry {
  return {
    tenantId,
    id,
    name: `entry ${id}`,
    type: "totp",
    issuer: "Example",
    accountName: "team@example.com",
    algorithm: "SHA256",
    digits: 8,
    period: 60,
    counter: null,
    tags: ["finance", "saas"],
    notes: "shared login",
    createdAt: T0,
    secret: sampleSecret(id),
    ...overrides,
  };
}

export function describeVaultRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`VaultRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("stores an entry with every parameter and its sealed seed; a second entry of the same name is refused", async () => {
      const t = freshTenant();
      const entry = sampleVaultEntry(t, "ve_1");
      expect(await run((r) => r.vault.insert(entry))).toBe(true);
      expect(await run((r) => r.vault.find(t, "ve_1"))).toEqual(entry);
      expect(await run((r) => r.vault.insert(sampleVaultEntry(t, "ve_2", { name: entry.name })))).toBe(false);
      const hotp = sampleVaultEntry(t, "ve_3", { name: "b", type: "hotp", period: null, counter: 7, tags: [] });
      expect(await run((r) => r.vault.insert(hotp))).toBe(true);
      expect((await run((r) => r.vault.list(t))).map((e) => e.id)).toEqual(["ve_3", "ve_1"]);
      expect(await run((r) => r.vault.find(freshTenant(), "ve_1"))).toBeNull();
      expect(await run((r) => r.vault.list(freshTenant()))).toEqual([]);
    });

    it("takes an HOTP counter one at a time, and a TOTP entry has none", async () => {
      const t = freshTenant();
      await run((r) => r.vault.insert(sampleVaultEntry(t, "h", { type: "hotp", period: null, counter: 5 })));
      await run((r) => r.vault.insert(sampleVaultEntry(t, "t", { name: "t" })));
      expect(await run((r) => r.vault.takeCounter(t, "h"))).toBe(5);
      expect(await run((r) => r.vault.takeCounter(t, "h"))).toBe(6);
      expect((await run((r) => r.vault.find(t, "h")))?.counter).toBe(7);
      expect(await run((r) => r.vault.takeCounter(t, "t"))).toBeNull();
      expect(await run((r) => r.vault.takeCounter(freshTenant(), "h"))).toBeNull();
    });

    it("adds, lists and removes grants; deleting an entry removes its grants", async () => {
      const t = freshTenant();
      await run((r) => r.vault.insert(sampleVaultEntry(t, "e")));
      const grant = { entryId: "e", principal: { kind: "user", id: "alice" }, permission: "read_code" } as const;
      const group = { entryId: "e", principal: { kind: "group", id: "ops" }, permission: "manage" } as const;
      expect(await run((r) => r.vault.addGrant(t, grant, T0))).toBe(true);
      expect(await run((r) => r.vault.addGrant(t, grant, T0))).toBe(false);
      expect(await run((r) => r.vault.addGrant(t, group, T0))).toBe(true);
      expect(await run((r) => r.vault.grants(t, "e"))).toEqual([group, grant]);
      expect(await run((r) => r.vault.allGrants(t))).toEqual([group, grant]);
      expect(await run((r) => r.vault.allGrants(freshTenant()))).toEqual([]);
      expect(await run((r) => r.vault.removeGrant(t, "e", grant.principal, "manage"))).toBe(false);
      expect(await run((r) => r.vault.removeGrant(t, "e", grant.principal, "read_code"))).toBe(true);
      expect(await run((r) => r.vault.grants(t, "e"))).toEqual([group]);
      expect(await run((r) => r.vault.delete(t, "e"))).toBe(true);
      expect(await run((r) => r.vault.delete(t, "e"))).toBe(false);
      expect(await run((r) => r.vault.allGrants(t))).toEqual([]);
    });

    it("sets and replaces a group's members, per tenant", async () => {
      const t = freshTenant();
      await run((r) => r.vault.setGroup(t, "ops", ["bob", "alice"], T0));
      await run((r) => r.vault.setGroup(t, "dev", ["alice"], T0));
      expect(await run((r) => r.vault.groupsOf(t, "alice"))).toEqual(["dev", "ops"]);
      expect(await run((r) => r.vault.listGroups(t))).toEqual([
        { id: "dev", members: ["alice"] },
        { id: "ops", members: ["alice", "bob"] },
      ]);
      await run((r) => r.vault.setGroup(t, "ops", ["carol"], T0));
      expect(await run((r) => r.vault.groupsOf(t, "alice"))).toEqual(["dev"]);
      await run((r) => r.vault.setGroup(t, "dev", [], T0));
      expect(await run((r) => r.vault.groupsOf(t, "alice"))).toEqual([]);
      expect(await run((r) => r.vault.groupsOf(freshTenant(), "carol"))).toEqual([]);
    });
  });
}
