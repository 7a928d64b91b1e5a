// CredentialRepository: enrolment life cycle (pending → active → revoked, one active per slot), each kind's material
// read back as written, and the claims (a time step, a counter, a backup code), which hold only forward, once, and
// only on active credentials.
import { describe, expect, it } from "vitest";
import { freshTenant, materialOf, sampleCodeHash, sampleCredential, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

export function describeCredentialRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`CredentialRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("reads back exactly what it stored, every kind's material included, and only for its user", async () => {
      const t = freshTenant();
      const pending = sampleCredential(t, "c1");
      const hotp = sampleCredential(t, "c2", {
        status: "active",
        factorId: "token_3",
        params: { type: "hotp", algorithm: "SHA512", digits: 8 },
        counter: 17,
      });
      const codes = sampleCredential(t, "c3", {
        status: "active",
        factorId: "backup",
        params: { type: "backup_code" },
        codeHashes: [3, 1, 2].map(sampleCodeHash),
      });
      await run(async (r) => {
        await r.credentials.insert(pending);
        await r.credentials.insert(hotp);
        await r.credentials.insert(codes);
      });
      expect(await run((r) => r.credentials.findById(t, "alice", "c1"))).toEqual(pending);
      expect(await run((r) => r.credentials.findById(t, "alice", "c2"))).toEqual(hotp);
      // The set's hashes come back in a stable order, not necessarily the order written.
      const readCodes = await run((r) => r.credentials.findById(t, "alice", "c3"));
      expect({ ...readCodes, material: undefined }).toEqual({ ...codes, material: undefined });
      expect([...(materialOf(readCodes)?.codeHashes ?? [])].sort()).toEqual([1, 2, 3].map(sampleCodeHash));
      expect(await run((r) => r.credentials.findById(t, "bob", "c1"))).toBeNull();
      expect(await run((r) => r.credentials.findById(t, "alice", "nope"))).toBeNull();
    });

    it("hands out copies: changing a secret read back changes nothing stored", async () => {
      const t = freshTenant();
      await run((r) => r.credentials.insert(sampleCredential(t, "c1")));
      const read = await run((r) => r.credentials.findById(t, "alice", "c1"));
      (materialOf(read)?.secret?.ciphertext as Uint8Array).fill(0);
      expect(await run((r) => r.credentials.findById(t, "alice", "c1"))).toEqual(sampleCredential(t, "c1"));
    });

    it("refuses a duplicate id and a second active credential in one slot", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "c1", { status: "active" }));
      });
      await expect(run((r) => r.credentials.insert(sampleCredential(t, "c1")))).rejects.toThrow();
      await expect(run((r) => r.credentials.insert(sampleCredential(t, "c2", { status: "active" })))).rejects.toThrow();
    });

    it("finds the active credential of a slot, never a pending or revoked one", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "old", { status: "revoked" }));
        await r.credentials.insert(sampleCredential(t, "pending"));
      });
      expect(await run((r) => r.credentials.findActiveByFactor(t, "alice", "token_1"))).toBeNull();
      const active = sampleCredential(t, "active", { status: "active" });
      await run((r) => r.credentials.insert(active));
      expect(await run((r) => r.credentials.findActiveByFactor(t, "alice", "token_1"))).toEqual(active);
      expect(await run((r) => r.credentials.findActiveByFactor(t, "alice", "token_2"))).toBeNull();
      expect(await run((r) => r.credentials.findActiveByFactor(t, "bob", "token_1"))).toBeNull();
    });

    it("lists a user's credentials of every status, oldest first, and no one else's", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "c3", { createdAt: T0 + 3, status: "revoked" }));
        await r.credentials.insert(sampleCredential(t, "c1", { createdAt: T0 + 1 }));
        await r.credentials.insert(sampleCredential(t, "c2", { createdAt: T0 + 2, status: "active", factorId: "token_2" }));
        await r.credentials.insert(sampleCredential(t, "b1", { userId: "bob" }));
      });
      expect((await run((r) => r.credentials.listByUser(t, "alice"))).map((c) => c.id)).toEqual(["c1", "c2", "c3"]);
      expect((await run((r) => r.credentials.listByUser(t, "bob"))).map((c) => c.id)).toEqual(["b1"]);
      expect(await run((r) => r.credentials.listByUser(t, "carol"))).toEqual([]);
    });

    it("activates a pending credential with its confirming claim and revokes the slot's previous one", async () => {
      const t = freshTenant();
      const previous = sampleCredential(t, "old", { status: "active" });
      const otherSlot = sampleCredential(t, "other", { status: "active", factorId: "token_2" });
      const otherUser = sampleCredential(t, "bobs", { status: "active", userId: "bob" });
      const fresh = sampleCredential(t, "new");
      await run(async (r) => {
        for (const c of [previous, otherSlot, otherUser, fresh]) await r.credentials.insert(c);
      });
      const at = T0 + 60_000;
      expect(await run((r) => r.credentials.activate(t, "new", at, { kind: "time_step", credentialId: "new", step: 1234 }))).toBe(true);
      expect(await run((r) => r.credentials.findById(t, "alice", "new"))).toEqual({
        ...fresh,
        status: "active",
        confirmedAt: at,
        material: { ...fresh.material, lastTimeStep: 1234 },
      });
      expect(await run((r) => r.credentials.findById(t, "alice", "old"))).toEqual({ ...previous, status: "revoked", revokedAt: at });
      expect(await run((r) => r.credentials.findById(t, "alice", "other"))).toEqual(otherSlot);
      expect(await run((r) => r.credentials.findById(t, "bob", "bobs"))).toEqual(otherUser);
      expect((await run((r) => r.credentials.findActiveByFactor(t, "alice", "token_1")))?.id).toBe("new");
    });

    it("activates only a pending credential, once", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "c1"));
        await r.credentials.insert(sampleCredential(t, "revoked", { status: "revoked", factorId: "token_2" }));
      });
      expect(await run((r) => r.credentials.activate(t, "c1", T0, null))).toBe(true);
      expect(materialOf(await run((r) => r.credentials.findById(t, "alice", "c1")))?.lastTimeStep).toBeNull();
      expect(await run((r) => r.credentials.activate(t, "c1", T0 + 1, null))).toBe(false);
      expect(await run((r) => r.credentials.activate(t, "revoked", T0, null))).toBe(false);
      expect(await run((r) => r.credentials.activate(t, "nope", T0, null))).toBe(false);
      expect((await run((r) => r.credentials.findById(t, "alice", "c1")))?.confirmedAt).toBe(T0);
    });

    it("deletes the pending enrolments of one slot only", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "p1"));
        await r.credentials.insert(sampleCredential(t, "p2"));
        await r.credentials.insert(sampleCredential(t, "active", { status: "active" }));
        await r.credentials.insert(sampleCredential(t, "p-other-slot", { factorId: "token_2" }));
        await r.credentials.insert(sampleCredential(t, "p-bob", { userId: "bob" }));
      });
      await run((r) => r.credentials.deletePending(t, "alice", "token_1"));
      expect((await run((r) => r.credentials.listByUser(t, "alice"))).map((c) => c.id).sort()).toEqual(["active", "p-other-slot"]);
      expect((await run((r) => r.credentials.listByUser(t, "bob"))).map((c) => c.id)).toEqual(["p-bob"]);
    });

    it("revokes a pending or active credential once", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "active", { status: "active" }));
        await r.credentials.insert(sampleCredential(t, "pending", { factorId: "token_2" }));
      });
      expect(await run((r) => r.credentials.revoke(t, "active", T0 + 9))).toBe(true);
      expect(await run((r) => r.credentials.findById(t, "alice", "active"))).toMatchObject({ status: "revoked", revokedAt: T0 + 9 });
      expect(await run((r) => r.credentials.revoke(t, "active", T0 + 10))).toBe(false);
      expect((await run((r) => r.credentials.findById(t, "alice", "active")))?.revokedAt).toBe(T0 + 9);
      expect(await run((r) => r.credentials.revoke(t, "pending", T0 + 9))).toBe(true);
      expect(await run((r) => r.credentials.revoke(t, "nope", T0))).toBe(false);
      expect(await run((r) => r.credentials.findActiveByFactor(t, "alice", "token_1"))).toBeNull();
    });

    it("claims a TOTP time step only forward, only on an active credential (S1, S3)", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "c1", { status: "active" }));
        await r.credentials.insert(sampleCredential(t, "pending", { factorId: "token_2" }));
        await r.credentials.insert(sampleCredential(t, "revoked", { status: "revoked", factorId: "token_3" }));
      });
      const advance = (id: string, step: number) => run((r) => r.credentials.claim(t, { kind: "time_step", credentialId: id, step }, T0));
      expect(await advance("c1", 100)).toBe(true);
      expect(await advance("c1", 100)).toBe(false);
      expect(await advance("c1", 99)).toBe(false);
      expect(await advance("c1", 0)).toBe(false);
      expect(await advance("c1", 101)).toBe(true);
      expect(materialOf(await run((r) => r.credentials.findById(t, "alice", "c1")))?.lastTimeStep).toBe(101);
      expect(await advance("pending", 5)).toBe(false);
      expect(await advance("revoked", 5)).toBe(false);
      expect(await advance("nope", 5)).toBe(false);
      expect(materialOf(await run((r) => r.credentials.findById(t, "alice", "pending")))?.lastTimeStep).toBeNull();
      await expect(advance("c1", -1)).rejects.toThrow(RangeError);
    });

    it("moves the HOTP counter by compare-and-set, forward only, on active credentials (S5)", async () => {
      const t = freshTenant();
      const hotp = { type: "hotp", algorithm: "SHA1", digits: 6 } as const;
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "h1", { status: "active", params: hotp, counter: 3 }));
        await r.credentials.insert(sampleCredential(t, "pending", { factorId: "token_2", params: hotp, counter: 3 }));
      });
      const move = (id: string, expected: number, next: number) =>
        run((r) => r.credentials.claim(t, { kind: "counter", credentialId: id, expected, next }, T0));
      expect(await move("h1", 3, 5)).toBe(true);
      expect(await move("h1", 3, 5)).toBe(false);
      expect(await move("h1", 4, 6)).toBe(false);
      expect(materialOf(await run((r) => r.credentials.findById(t, "alice", "h1")))?.counter).toBe(5);
      expect(await move("pending", 3, 4)).toBe(false);
      await expect(move("h1", 5, 5)).rejects.toThrow(RangeError);
    });

    it("uses a backup code once, only while unused, only on an active set (S19)", async () => {
      const t = freshTenant();
      const backup = { type: "backup_code" } as const;
      const hashes = [1, 2, 3].map(sampleCodeHash);
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "b1", { status: "active", factorId: "backup", params: backup, codeHashes: hashes }));
        await r.credentials.insert(sampleCredential(t, "b-pending", { factorId: "backup_2", params: backup, codeHashes: hashes }));
      });
      const use = (id: string, codeHash: string) =>
        run((r) => r.credentials.claim(t, { kind: "backup_code", credentialId: id, codeHash }, T0));
      expect(await use("b1", sampleCodeHash(2))).toBe(true);
      expect(await use("b1", sampleCodeHash(2))).toBe(false);
      expect(await use("b1", sampleCodeHash(9))).toBe(false);
      expect(await use("b-pending", sampleCodeHash(1))).toBe(false);
      expect(materialOf(await run((r) => r.credentials.findById(t, "alice", "b1")))?.codeHashes).toEqual([1, 3].map(sampleCodeHash));
      expect(materialOf(await run((r) => r.credentials.findById(t, "alice", "b-pending")))?.codeHashes).toEqual(hashes);
      await run((r) => r.credentials.revoke(t, "b1", T0));
      expect(await use("b1", sampleCodeHash(1))).toBe(false);
    });

    it("a claim of one kind never moves a credential of another", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "totp", { status: "active" }));
        await r.credentials.insert(
          sampleCredential(t, "codes", {
            status: "active",
            factorId: "backup",
            params: { type: "backup_code" },
            codeHashes: [sampleCodeHash(1)],
          }),
        );
      });
      expect(await run((r) => r.credentials.claim(t, { kind: "backup_code", credentialId: "totp", codeHash: sampleCodeHash(1) }, T0))).toBe(
        false,
      );
      expect(await run((r) => r.credentials.claim(t, { kind: "time_step", credentialId: "codes", step: 5 }, T0))).toBe(false);
      expect(await run((r) => r.credentials.claim(t, { kind: "counter", credentialId: "totp", expected: 0, next: 1 }, T0))).toBe(false);
    });
  });
}
