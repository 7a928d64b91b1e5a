// Tenants and API keys (stored by SHA-256 hash; the API generates and caches them).
import { createHash } from "node:crypto";
import { T0 } from "@mfa-chain/testing/contracts";
import { describe, expect, it } from "vitest";
import {
  PostgresApiKeyRepository as ApiKeyRepository,
  PostgresTenantRepository as TenantRepository,
} from "../src/repositories/tenant.repository.js";
import { usePGlite } from "./support/databases.js";

const database = usePGlite();
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("tenants and API keys", () => {
  it("stores and finds tenants", async () => {
    const tenants = new TenantRepository(database.current.db);
    expect(await tenants.insert({ id: "acme", name: "Acme", createdAt: T0 })).toBe(true);
    expect(await tenants.find("acme")).toEqual({ id: "acme", name: "Acme", createdAt: T0 });
    expect(await tenants.find("nobody")).toBeNull();
    expect(await tenants.insert({ id: "acme", name: "again", createdAt: T0 })).toBe(false);
    expect(await tenants.find("acme")).toEqual({ id: "acme", name: "Acme", createdAt: T0 });
  });

  it("finds a key by its hash, revokes it once, and only within its tenant", async () => {
    const tenants = new TenantRepository(database.current.db);
    const keys = new ApiKeyRepository(database.current.db);
    await tenants.insert({ id: "globex", name: "Globex", createdAt: T0 });
    const record = {
      tenantId: "globex",
      id: "k1",
      name: "server",
      keyHash: sha256("mfa_live_secret"),
      role: "service" as const,
      createdAt: T0,
      revokedAt: null,
    };
    await keys.insert(record);
    expect(await keys.findByHash(sha256("mfa_live_secret"))).toEqual(record);
    expect(await keys.findByHash(sha256("other"))).toBeNull();
    expect(await keys.revoke("acme", { id: "k1" }, T0 + 1)).toEqual([]);
    expect(await keys.revoke("globex", { id: "k1" }, T0 + 1)).toEqual(["k1"]);
    expect(await keys.revoke("globex", { id: "k1" }, T0 + 2)).toEqual([]);
    expect((await keys.findByHash(record.keyHash))?.revokedAt).toBe(T0 + 1);
  });

  it("refuses a key of an unknown tenant, a duplicate hash and a malformed hash", async () => {
    const keys = new ApiKeyRepository(database.current.db);
    const base = { id: "k2", name: "n", role: "admin" as const, createdAt: T0, revokedAt: null };
    await expect(keys.insert({ ...base, tenantId: "missing", keyHash: sha256("a") })).rejects.toThrow();
    await expect(keys.insert({ ...base, tenantId: "globex", keyHash: sha256("mfa_live_secret") })).rejects.toThrow();
    await expect(keys.insert({ ...base, tenantId: "globex", keyHash: "not-a-hash" })).rejects.toThrow();
  });
});
