// Secrets at rest (S9) and online re-encryption after a key rotation, on the real server and on PGlite.
import { vaultSecretBinding, type SealedSecret } from "@mfa-chain/application";
import { describeSecretsAtRestContract, materialOf, sampleCredential, sampleVaultEntry } from "@mfa-chain/testing/contracts";
import { pgDump } from "@mfa-chain/pg-harness";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Db } from "../src/database/schema.js";
import { rotateSecrets } from "../src/secrets/rotate-secrets.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { usePGlite, useServerDatabase, type DatabaseRef } from "./support/databases.js";
import { TestKeyring } from "./support/test-keyring.js";

const server = useServerDatabase("secrets");
const pglite = usePGlite();

async function copySecret(db: Db, tenantId: string, from: string, to: string): Promise<void> {
  await sql`
    update otp_secrets as target
    set secret_key_id = source.secret_key_id, secret_ciphertext = source.secret_ciphertext
    from otp_secrets as source
    where source.tenant_id = ${tenantId} and source.credential_id = ${from}
      and target.tenant_id = ${tenantId} and target.credential_id = ${to}`.execute(db);
}

const keyring = TestKeyring.withKeys("k1");
describeSecretsAtRestContract("PostgreSQL server, pg_dump", () => ({
  uow: new PostgresUnitOfWork(server.current.db),
  cipher: keyring,
  dump: () => pgDump(server.url),
  copySecret: (t, from, to) => copySecret(server.current.db, t, from, to),
}));

function describeRotation(name: string, database: DatabaseRef) {
  describe(`secret rotation: ${name}`, () => {
    const binding = (t: string, id: string) => ({ tenantId: t, userId: "alice", credentialId: id });
    const seedOf = (i: number) => Uint8Array.from({ length: 20 }, (_, j) => (i * 31 + j) & 0xff);

    async function seed(t: string, cipher: TestKeyring, count: number) {
      await new PostgresUnitOfWork(database.current.db).run(async (r) => {
        for (let i = 0; i < count; i++) {
          const id = `c${String(i).padStart(3, "0")}`;
          await r.credentials.insert(sampleCredential(t, id, { factorId: `f${i}`, secret: cipher.seal(seedOf(i), binding(t, id)) }));
        }
      });
    }

    const keyIds = async (t: string) =>
      (await database.current.db.selectFrom("otp_secrets").select("secret_key_id").where("tenant_id", "=", t).execute()).map(
        (r) => r.secret_key_id,
      );

    it("re-seals an email factor's sealed destination too (delivery_destinations)", async () => {
      const t = `rot-dest-${name.length}-${Date.now()}`;
      const old = TestKeyring.withKeys("k1");
      const address = new TextEncoder().encode("alice@example.com");
      const params = { type: "email", codeDigits: 6, codeTtlSeconds: 300 } as const;
      await new PostgresUnitOfWork(database.current.db).run((r) =>
        r.credentials.insert(sampleCredential(t, "mail-1", { factorId: "mail", params, secret: old.seal(address, binding(t, "mail-1")) })),
      );
      const rotated = old.rotatedTo("k2");
      const report = await rotateSecrets(database.current.db, rotated);
      expect(report.failures.filter((f) => f.tenantId === t)).toEqual([]);
      const row = await database.current.db
        .selectFrom("delivery_destinations")
        .selectAll()
        .where("tenant_id", "=", t)
        .executeTakeFirstOrThrow();
      expect(row.destination_key_id).toBe("k2");
      const sealed = { keyId: row.destination_key_id, ciphertext: new Uint8Array(row.destination_ciphertext) };
      expect(new TextDecoder().decode(rotated.open(sealed, binding(t, "mail-1")))).toBe("alice@example.com");
    });

    it("re-seals every secret under the new current key, in batches, and is a no-op when run again", async () => {
      const t = `rot-${name.length}-${Date.now()}`;
      const old = TestKeyring.withKeys("k1");
      await seed(t, old, 25);
      const rotated = old.rotatedTo("k2");
      const progress: number[] = [];
      const report = await rotateSecrets(database.current.db, rotated, { batchSize: 10, onProgress: (p) => progress.push(p.examined) });
      // Other tests' rows in this database may be sealed by keys this keyring lacks: judge this tenant's rows.
      expect(report.currentKeyId).toBe("k2");
      expect(report.resealed).toBeGreaterThanOrEqual(25);
      expect(report.failures.filter((f) => f.tenantId === t)).toEqual([]);
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(new Set(await keyIds(t))).toEqual(new Set(["k2"]));
      // Every secret still opens, now without the old key.
      const newOnly = rotated.only("k2");
      const stored = await new PostgresUnitOfWork(database.current.db).run((r) => r.credentials.listByUser(t, "alice"));
      for (const c of stored)
        expect(newOnly.open(materialOf(c)?.secret as SealedSecret, binding(t, c.id))).toEqual(seedOf(Number(c.id.slice(1))));
      const again = await rotateSecrets(database.current.db, rotated);
      expect(again.resealed).toBe(0);
      expect(new Set(await keyIds(t))).toEqual(new Set(["k2"]));
    });

    it("re-seals the shared vault's seeds too, bound to their tenant and entry, and reports one it cannot open", async () => {
      const t = `rot-vault-${name.length}-${Date.now()}`;
      const old = TestKeyring.withKeys("k1");
      const stranger = TestKeyring.withKeys("k0");
      const seedBytes = (i: number) => new Uint8Array(20).fill(i + 1);
      await new PostgresUnitOfWork(database.current.db).run(async (r) => {
        for (const [i, id] of ["ve_a", "ve_b"].entries()) {
          const secret = old.seal(seedBytes(i), vaultSecretBinding(t, id));
          await r.vault.insert(sampleVaultEntry(t, id, { name: id, secret }));
        }
        await r.vault.insert(
          sampleVaultEntry(t, "ve_z", { name: "z", secret: stranger.seal(seedBytes(9), vaultSecretBinding(t, "ve_z")) }),
        );
      });
      const rotated = old.rotatedTo("k4");
      const report = await rotateSecrets(database.current.db, rotated);
      expect(report.failures.filter((f) => f.tenantId === t)).toEqual([
        { source: "vault_entries", tenantId: t, credentialId: "ve_z", keyId: "k0", reason: expect.stringContaining("k0") },
      ]);
      const entries = await new PostgresUnitOfWork(database.current.db).run((r) => r.vault.list(t));
      expect(entries.map((e) => e.secret.keyId)).toEqual(["k4", "k4", "k0"]);
      const newOnly = rotated.only("k4");
      for (const [i, e] of entries.slice(0, 2).entries()) expect(newOnly.open(e.secret, vaultSecretBinding(t, e.id))).toEqual(seedBytes(i));
      // Bound to its entry: a seed does not open as another entry's.
      expect(() => newOnly.open(entries[0]!.secret, vaultSecretBinding(t, "ve_b"))).toThrow();
    });

    it("reports a secret it cannot open and carries on with the rest", async () => {
      const t = `rot-fail-${name.length}-${Date.now()}`;
      const old = TestKeyring.withKeys("k1");
      await seed(t, old, 3);
      // One row sealed by a key the rotating process does not hold.
      const stranger = TestKeyring.withKeys("k0");
      await new PostgresUnitOfWork(database.current.db).run((r) =>
        r.credentials.insert(sampleCredential(t, "zzz", { factorId: "fz", secret: stranger.seal(seedOf(9), binding(t, "zzz")) })),
      );
      const report = await rotateSecrets(database.current.db, old.rotatedTo("k3"));
      const mine = report.failures.filter((f) => f.tenantId === t);
      expect(mine).toEqual([
        { source: "otp_secrets", tenantId: t, credentialId: "zzz", keyId: "k0", reason: expect.stringContaining("k0") },
      ]);
      expect((await keyIds(t)).sort()).toEqual(["k0", "k3", "k3", "k3"]);
    });
  });
}

describeRotation("PostgreSQL server", server);
describeRotation("PGlite", pglite);

describe("sealed secrets on PGlite", () => {
  it("a ciphertext copied onto another row does not open there", async () => {
    const t = "pglite-copy";
    const bind = (id: string) => ({ tenantId: t, userId: "alice", credentialId: id });
    await new PostgresUnitOfWork(pglite.current.db).run(async (r) => {
      await r.credentials.insert(sampleCredential(t, "a", { secret: keyring.seal(new Uint8Array(20).fill(1), bind("a")) }));
      await r.credentials.insert(
        sampleCredential(t, "b", { factorId: "token_2", secret: keyring.seal(new Uint8Array(20).fill(2), bind("b")) }),
      );
    });
    await copySecret(pglite.current.db, t, "a", "b");
    const b = await new PostgresUnitOfWork(pglite.current.db).run((r) => r.credentials.findById(t, "alice", "b"));
    expect(() => keyring.open(materialOf(b)?.secret ?? { keyId: "k1", ciphertext: new Uint8Array() }, bind("b"))).toThrow();
  });
});
