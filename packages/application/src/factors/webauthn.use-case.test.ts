// WebAuthn through the use cases (SPEC §3, S21–S24, S30), with the fake ceremony and software authenticator of
// testing/fakes/fake-webauthn.ts: the relying party set and checked when written; enrollment answers creation options
// and the confirmation stores the registered key (a credential id registered already is refused, S24); the challenge
// phase answers request options bound to the attempt's step; an assertion passes once; every refusal spends its
// challenge and counts as a failure; the counter moves by compare-and-set and a regression is refused (S23).
import type { AppError, UnitOfWork } from "@mfa-chain/application";
import { ConfirmFactor } from "./confirm-factor.use-case.js";
import type { Result, VerifyOutcome } from "@mfa-chain/domain";
import { adminKey, aPolicy, errorOf, serviceKey, TEST_TENANT, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const ORIGIN = "https://app.example.com";

async function givenPolicy(app: TestApp, id: string, options: Record<string, unknown> = {}): Promise<void> {
  const definition = aPolicy().withId(id).withFactors([]).definition();
  definition.factors = [{ id: "key", label: "Security key", type: "webauthn", options } as never];
  definition.mode = "fixed";
  definition.requiredSteps = 1;
  unwrap(await app.savePolicy.execute({ actor: adminKey(), policyId: id, definition, mode: "create" }), "givenPolicy");
}

const outcome = (r: Result<VerifyOutcome, AppError>): VerifyOutcome => unwrap(r, "verify");

describe("webauthn (S21–S24)", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    unwrap(await app.setRelyingParty.execute({ actor: adminKey(), id: "example.com", name: "Example", origins: [ORIGIN] }));
    await givenPolicy(app, "key-only");
    await givenPolicy(app, "key-uv", { userVerification: "required", algorithms: ["ES256"] });
  });

  const stored = (id: string) => {
    const c = app.store.credentials(TEST_TENANT).find((x) => x.id === id);
    if (!c) throw new Error(`no credential ${id}`);
    return c;
  };

  async function enrolled(policy = "key-only", user = "alice") {
    const enrollment = await app.enrollAny(user, policy, "key");
    await app.confirm(user, enrollment);
    return enrollment;
  }

  it("the relying party is checked when written, and only with an admin key", async () => {
    const set = app.setRelyingParty;
    expect(errorOf(await set.execute({ actor: serviceKey(), id: "example.com", name: "x", origins: [ORIGIN] })).code).toBe("forbidden");
    for (const origins of [["http://app.example.com"], ["https://evil.com"], ["https://app.example.com/path"], ["not a url"], []]) {
      expect(errorOf(await set.execute({ actor: adminKey(), id: "example.com", name: "x", origins })).code).toBe("invalid_input");
    }
    expect(errorOf(await set.execute({ actor: adminKey(), id: "https://example.com", name: "x", origins: [ORIGIN] })).code).toBe(
      "invalid_input",
    );
    const local = unwrap(await set.execute({ actor: adminKey(), id: "localhost", name: "Dev", origins: ["http://localhost:8080"] }));
    expect(local.origins).toEqual(["http://localhost:8080"]);
  });

  it("enrollment answers creation options and stays pending; the confirmation stores the registered key", async () => {
    const enrollment = await app.enrollAny("alice", "key-only", "key");
    expect(enrollment.credential.status).toBe("pending");
    const publicKey = (enrollment.shown as { publicKey: { challenge: string; rp: { id: string } } }).publicKey;
    expect(publicKey.rp.id).toBe("example.com");
    // 32 random bytes, base64url without padding.
    expect(publicKey.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const confirmed = await app.confirm("alice", enrollment);
    expect(confirmed.status).toBe("active");
    expect(stored(enrollment.credential.id).material).toMatchObject({ registered: { credentialId: `wa-${enrollment.credential.id}` } });
  });

  it("S24 a credential id registered in the tenant already is refused, and its challenge is spent", async () => {
    const first = await enrolled();
    const second = await app.enrollAny("bob", "key-only", "key");
    const duplicate = app.webauthnAnswer(stored(second.credential.id), { id: `wa-${first.credential.id}` });
    const refused = await app.confirmFactor.execute({
      actor: adminKey(),
      userId: "bob",
      credentialId: second.credential.id,
      code: JSON.stringify(duplicate),
    });
    expect(errorOf(refused).code).toBe("credential_already_registered");
    expect(stored(second.credential.id).status).toBe("pending");
    expect(app.store.challenges(TEST_TENANT).find((c) => c.id === second.credential.id)?.consumedAt).not.toBeNull();
  });

  it("a confirmation that finds its credential no longer pending at the write (a parallel one won, or it was revoked) answers enrollment_not_pending, not credential_already_registered", async () => {
    const enrollment = await app.enrollAny("alice", "key-only", "key");
    const answer = JSON.stringify(app.webauthnAnswer(stored(enrollment.credential.id), {}));
    // The race, made certain: the credential is revoked between the confirmation's read and its write of the key.
    const racing: UnitOfWork = {
      run: (work) =>
        app.uow.run((repos) => {
          const credentials = repos.credentials;
          const saveMaterial: typeof credentials.saveMaterial = async (c) => {
            await credentials.revoke(c.tenantId, c.id, app.clock.now());
            return credentials.saveMaterial(c);
          };
          return work({
            ...repos,
            credentials: new Proxy(credentials, { get: (t, k) => (k === "saveMaterial" ? saveMaterial : Reflect.get(t, k, t)) }),
          });
        }),
    };
    const confirm = new ConfirmFactor({ uow: racing, clock: app.clock, kinds: app.kinds });
    const lost = await confirm.execute({ actor: adminKey(), userId: "alice", credentialId: enrollment.credential.id, code: answer });
    expect(errorOf(lost).code).toBe("enrollment_not_pending");
    expect(stored(enrollment.credential.id).material).toMatchObject({ registered: null });
  });

  it("S24 an algorithm outside the policy is refused at registration", async () => {
    const enrollment = await app.enrollAny("alice", "key-uv", "key");
    const answer = app.webauthnAnswer(stored(enrollment.credential.id), { alg: "RS256" });
    const refused = await app.confirmFactor.execute({
      actor: adminKey(),
      userId: "alice",
      credentialId: enrollment.credential.id,
      code: JSON.stringify(answer),
    });
    expect(errorOf(refused).code).toBe("invalid_code");
    expect(app.failures("alice")).toBe(1);
  });

  it("S21 the challenge phase answers request options bound to the step; an assertion passes once", async () => {
    const enrollment = await enrolled();
    const { attemptId } = await app.start("alice", "key-only");
    const issued = unwrap(await app.challenge(attemptId));
    expect(issued).toMatchObject({ delivery: "answer", factorId: "key" });
    if (issued.delivery !== "answer") throw new Error("answered");
    const publicKey = issued.answer.publicKey as { rpId: string; allowCredentials: { id: string }[] };
    expect(publicKey.rpId).toBe("example.com");
    expect(publicKey.allowCredentials.map((c) => c.id)).toEqual([`wa-${enrollment.credential.id}`]);
    expect(issued.expiresAt - app.clock.now()).toBe(300_000);
    const assertion = app.rightCode("alice", "key");
    expect(outcome(await app.verify(attemptId, "key", assertion))).toMatchObject({ success: true, complete: true });
    expect(stored(enrollment.credential.id).material).toMatchObject({ registered: { signCount: 1 } });
  });

  it("S21 S23 a replayed assertion fails on a new attempt: another challenge, and a counter that did not move", async () => {
    await enrolled();
    const first = await app.start("alice", "key-only");
    unwrap(await app.challenge(first.attemptId));
    const assertion = app.rightCode("alice", "key");
    expect(outcome(await app.verify(first.attemptId, "key", assertion)).success).toBe(true);
    const second = await app.start("alice", "key-only");
    unwrap(await app.challenge(second.attemptId));
    expect(outcome(await app.verify(second.attemptId, "key", assertion)).success).toBe(false);
    expect(app.failures("alice")).toBe(1);
  });

  it("S22 wrong origin, wrong RP id, UP absent, UV absent when required: each refused, counted, its challenge spent", async () => {
    await enrolled("key-uv");
    const cases = [{ origin: "https://evil.example.net" }, { rpId: "evil.com" }, { up: false }, { uv: false }];
    for (const [i, over] of cases.entries()) {
      const { attemptId } = await app.start("alice", "key-uv");
      unwrap(await app.challenge(attemptId));
      const c = app.activeCredential("alice", "key");
      const bad = JSON.stringify(app.webauthnAnswer(c, over));
      expect(outcome(await app.verify(attemptId, "key", bad)).success).toBe(false);
      expect(app.failures("alice")).toBe(i + 1);
      // The challenge is used up: the right answer to it fails now too.
      expect(
        app.store
          .challenges(TEST_TENANT)
          .filter((x) => x.attemptId === attemptId)
          .every((x) => x.consumedAt !== null),
      ).toBe(true);
    }
  });

  it("S21 an expired challenge is refused and spent; without a challenge nothing passes", async () => {
    await enrolled();
    const { attemptId } = await app.start("alice", "key-only");
    const noChallenge = JSON.stringify({ fake: "get", id: "x" });
    expect(outcome(await app.verify(attemptId, "key", noChallenge)).success).toBe(false);
    const again = await app.start("alice", "key-only");
    unwrap(await app.challenge(again.attemptId));
    const late = app.rightCode("alice", "key");
    app.clock.advanceSeconds(301);
    expect(outcome(await app.verify(again.attemptId, "key", late)).success).toBe(false);
    expect(app.store.challenges(TEST_TENANT).find((x) => x.attemptId === again.attemptId)?.consumedAt).not.toBeNull();
  });

  it("S23 a counter regression is refused; both counters zero stays allowed", async () => {
    const enrollment = await enrolled();
    const pass = async (counter: number) => {
      const { attemptId } = await app.start("alice", "key-only");
      unwrap(await app.challenge(attemptId));
      const c = stored(enrollment.credential.id);
      const answer = app.webauthnAnswer(c, { counter });
      const signed = { ...answer, sig: `sig:${answer.id}:${answer.challenge}:${counter}` };
      return outcome(await app.verify(attemptId, "key", JSON.stringify(signed))).success;
    };
    expect(await pass(0)).toBe(true); // 0 → 0: a synced passkey
    expect(await pass(0)).toBe(true);
    expect(await pass(5)).toBe(true);
    expect(await pass(5)).toBe(false); // not increased
    expect(await pass(3)).toBe(false);
    expect(await pass(6)).toBe(true);
  });

  it("S24 the step's policy as it stands now: an algorithm it no longer allows fails and counts; so does UV it now requires", async () => {
    await enrolled();
    const update = async (options: Record<string, unknown>) => {
      const definition = aPolicy().withId("key-only").withFactors([]).definition();
      definition.factors = [{ id: "key", label: "Security key", type: "webauthn", options } as never];
      definition.mode = "fixed";
      definition.requiredSteps = 1;
      unwrap(await app.savePolicy.execute({ actor: adminKey(), policyId: "key-only", definition, mode: "update" }), "update");
    };
    await update({ algorithms: ["EdDSA"] });
    const { attemptId } = await app.start("alice", "key-only");
    unwrap(await app.challenge(attemptId));
    expect(outcome(await app.verify(attemptId, "key", app.rightCode("alice", "key"))).success).toBe(false);
    expect(app.failures("alice")).toBe(1);
    const failed = app.auditEvents().filter((e) => e.type === "attempt.step_failed");
    expect(failed.at(-1)?.data).toMatchObject({ cause: "algorithm_not_allowed" });

    // UV required now: the request options ask for it, and an assertion without it fails.
    await update({ algorithms: ["ES256"], userVerification: "required" });
    const again = await app.start("alice", "key-only").catch(() => null);
    // A credential enrolled without required UV no longer satisfies the slot: the user must enroll again.
    expect(again).toBeNull();
  });

  it("S30 a challenge of one ceremony never serves the other, nor another kind's step", async () => {
    const enrollment = await app.enrollAny("alice", "key-only", "key");
    const registration = app.webauthnAnswer(stored(enrollment.credential.id), {});
    await app.confirm("alice", enrollment);
    const { attemptId } = await app.start("alice", "key-only");
    expect(outcome(await app.verify(attemptId, "key", JSON.stringify(registration))).success).toBe(false);
  });

  it("a tenant without a relying party cannot enroll a webauthn factor", async () => {
    const other = new TestApp();
    await givenPolicy(other, "key-only");
    const refused = await other.enrollFactor.execute({ actor: adminKey(), userId: "alice", policyId: "key-only", factorId: "key" });
    expect(errorOf(refused).code).toBe("relying_party_not_configured");
    expect(other.store.credentials(TEST_TENANT)).toEqual([]);
  });
});
