// WebAuthn storage (issue 12): each tenant's relying party; a pending credential's registered key written at its
// confirmation, a credential id once per tenant (S24); the verify path's claims — a refusal spends the challenge
// (challenge_spent, S21), a success consumes it and moves the sign counter by compare-and-set (webauthn_assertion,
// S23): of two uses of one assertion, one wins; on the locking and the optimistic path.
import type { StepWrite, StoredChallenge } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import {
  abandoned,
  freshTenant,
  materialOf,
  sampleAttempt,
  sampleCredential,
  sampleEvent,
  sampleWebAuthnKey,
  SAMPLE_WEBAUTHN_PARAMS,
  setUpStorage,
  T0,
  type MakeStorage,
} from "./storage-fixture.js";

const CODE = '{"c":"AAAA","rp":{"id":"example.com","name":"Example","origins":["https://example.com"]}}';

export function describeWebAuthnContract(name: string, makeStorage: MakeStorage): void {
  describe(`WebAuthn storage (relying parties, registered keys, assertion claims): ${name}`, () => {
    const storage = setUpStorage(makeStorage);
    const { run, direct } = storage;

    const challenge = (t: string, overrides: Partial<StoredChallenge> = {}): StoredChallenge => ({
      tenantId: t,
      purpose: "webauthn_get",
      id: "att-1:0",
      userId: "alice",
      credentialId: "cred-w",
      attemptId: "att-1",
      step: 0,
      codeHash: CODE,
      createdAt: T0,
      expiresAt: T0 + 300_000,
      consumedAt: null,
      tries: 0,
      ...overrides,
    });

    async function seed(t: string, signCount = 0, ch: Partial<StoredChallenge> = {}): Promise<void> {
      await run(async (r) => {
        await r.attempts.insert(sampleAttempt(t, "att-1", { chain: ["key", "token_1"] }));
        await r.credentials.insert(sampleCredential(t, "cred-w", { status: "pending", factorId: "key", params: SAMPLE_WEBAUTHN_PARAMS }));
        expect(
          await r.credentials.saveMaterial(
            sampleCredential(t, "cred-w", {
              status: "pending",
              factorId: "key",
              params: SAMPLE_WEBAUTHN_PARAMS,
              webauthn: sampleWebAuthnKey("wid-1", signCount),
            }),
          ),
        ).toBe("saved");
        expect(await r.credentials.activate(t, "cred-w", T0, null)).toBe(true);
        await r.challenges.save(challenge(t, ch));
      });
    }

    const succeed = (t: string, expected: number, next: number, codeHash = CODE): StepWrite => ({
      attempt: { ...sampleAttempt(t, "att-1", { chain: ["key", "token_1"] }), cursor: 1, version: 2 },
      expectedVersion: 1,
      claim: {
        kind: "webauthn_assertion",
        credentialId: "cred-w",
        purpose: "webauthn_get",
        challengeId: "att-1:0",
        codeHash,
        expectedSignCount: expected,
        newSignCount: next,
      },
      lock: null,
      events: [sampleEvent(t, { type: "attempt.step_succeeded", attemptId: "att-1", data: { step: 1 } })],
      at: T0 + 10_000,
    });
    const find = (t: string) => run((r) => r.challenges.find(t, "webauthn_get", "att-1:0"));
    const key = async (t: string) => materialOf(await run((r) => r.credentials.findById(t, "alice", "cred-w")))?.registered;

    it("keeps each tenant's relying party, replaced as a whole", async () => {
      const t = freshTenant();
      expect(await run((r) => r.relyingParties.find(t))).toBeNull();
      const rp = {
        tenantId: t,
        id: "example.com",
        name: "Example",
        origins: ["https://example.com", "https://app.example.com"],
        updatedAt: T0,
      };
      await run((r) => r.relyingParties.save(rp));
      expect(await run((r) => r.relyingParties.find(t))).toEqual(rp);
      const next = { ...rp, id: "localhost", origins: ["http://localhost:3000"], updatedAt: T0 + 1000 };
      await run((r) => r.relyingParties.save(next));
      expect(await run((r) => r.relyingParties.find(t))).toEqual(next);
      expect(await run((r) => r.relyingParties.find(freshTenant()))).toBeNull();
    });

    it("S24 a registered key is written at confirmation, read back with the credential; a credential id once per tenant", async () => {
      const t = freshTenant();
      await seed(t, 7);
      expect(await key(t)).toEqual(sampleWebAuthnKey("wid-1", 7));
      const other = { status: "pending" as const, factorId: "key", userId: "bob", params: SAMPLE_WEBAUTHN_PARAMS };
      await run((r) => r.credentials.insert(sampleCredential(t, "cred-b", other)));
      const dup = sampleCredential(t, "cred-b", { ...other, webauthn: sampleWebAuthnKey("wid-1") });
      expect(await run((r) => r.credentials.saveMaterial(dup))).toBe("refused");
      expect(materialOf(await run((r) => r.credentials.findById(t, "bob", "cred-b")))?.registered).toBeNull();
      // Another tenant may hold the same credential id; an active credential's key is not rewritten (not pending, which
      // is told apart from a refusal).
      const t2 = freshTenant();
      await seed(t2);
      const again = sampleCredential(t, "cred-w", {
        status: "active",
        factorId: "key",
        params: SAMPLE_WEBAUTHN_PARAMS,
        webauthn: sampleWebAuthnKey("wid-9"),
      });
      expect(await run((r) => r.credentials.saveMaterial(again))).toBe("not_pending");
      expect(materialOf(await run((r) => r.credentials.findById(t, "alice", "cred-w")))?.registered).toEqual(sampleWebAuthnKey("wid-1", 7));
    });

    it("S23 a success consumes the challenge and moves the counter; a second use of it writes nothing", async () => {
      const t = freshTenant();
      await seed(t, 3);
      expect(await run((r) => r.steps.write(t, "alice", succeed(t, 3, 4)))).toBe(true);
      expect((await find(t))?.consumedAt).toBe(T0 + 10_000);
      expect((await key(t))?.signCount).toBe(4);
      const again = { ...succeed(t, 4, 5), expectedVersion: 2, attempt: { ...succeed(t, 4, 5).attempt, version: 3 } };
      await expect(abandoned(run, (r) => r.steps.write(t, "alice", again))).resolves.toBe(false);
      expect((await key(t))?.signCount).toBe(4);
    });

    it("S23 a counter moved meanwhile (compare-and-set): optimistic writes nothing at all, the challenge included", async () => {
      const t = freshTenant();
      await seed(t, 3);
      const before = await direct((r) => r.steps.readForStep(t, "att-1", "key"));
      expect(materialOf(before?.credential)?.registered?.signCount).toBe(3);
      expect(before?.challenge).toEqual(challenge(t));
      expect(await direct((r) => r.steps.writeIfUnchanged(t, "alice", succeed(t, 2, 4), before!.lock))).toBe(false);
      expect((await find(t))?.consumedAt).toBeNull();
      expect((await key(t))?.signCount).toBe(3);
      expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toEqual([]);
      // Both zero (a synced passkey) is a compare-and-set like any other.
      const t2 = freshTenant();
      await seed(t2, 0);
      const seen = (await direct((r) => r.steps.readForStep(t2, "att-1", "key")))!.lock;
      expect(await direct((r) => r.steps.writeIfUnchanged(t2, "alice", succeed(t2, 0, 0), seen))).toBe(true);
    });

    it.each<[string, Partial<StoredChallenge>]>([
      ["expired", { expiresAt: T0 + 10_000 }],
      ["already consumed", { consumedAt: T0 + 1 }],
      ["of another value", { codeHash: "{}" }],
    ])("a challenge %s is not consumed and the counter stays", async (_label, ch) => {
      const t = freshTenant();
      await seed(t, 1, ch);
      await expect(abandoned(run, (r) => r.steps.write(t, "alice", succeed(t, 1, 2)))).resolves.toBe(false);
      expect((await key(t))?.signCount).toBe(1);
    });

    it("S21 a refusal spends the challenge once, whatever its tries; on a pending credential's too", async () => {
      const t = freshTenant();
      await seed(t, 0, { tries: 4 });
      const spend = { kind: "challenge_spent", credentialId: "cred-w", purpose: "webauthn_get", challengeId: "att-1:0" } as const;
      expect(await run((r) => r.credentials.claim(t, spend, T0 + 5))).toBe(true);
      expect(await find(t)).toMatchObject({ consumedAt: T0 + 5, tries: 5 });
      expect(await run((r) => r.credentials.claim(t, spend, T0 + 6))).toBe(false);
      const assertion = succeed(t, 0, 1).claim!;
      expect(await run((r) => r.credentials.claim(t, assertion, T0 + 7))).toBe(false);
      // Outside the verify path too, an assertion claim is both updates or none.
      const t2 = freshTenant();
      await seed(t2, 0);
      expect(await run((r) => r.credentials.claim(t2, succeed(t2, 5, 6).claim!, T0 + 7))).toBe(false);
      expect((await find(t2))?.consumedAt).toBeNull();
      expect(await run((r) => r.credentials.claim(t2, succeed(t2, 0, 1).claim!, T0 + 7))).toBe(true);
      expect((await key(t2))?.signCount).toBe(1);
    });
  });
}
