import type { Enrollment } from "@mfa-chain/application";
import { HOTP_RESYNC_WINDOW } from "@mfa-chain/domain";
import { adminKey, aPolicy, errorOf, serviceKey, TEST_TENANT, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();

describe("ResyncHotpFactor (RFC 4226 §7.4, SPEC §3)", () => {
  let app: TestApp;
  let token: Enrollment;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("hotp").withSteps(1).withHotpFactors(1));
    [token] = (await app.enrollAndConfirm("alice", "hotp", ["counter_1"])) as [Enrollment];
  });

  const code = (counter: number) => app.otp.hotpCode(app.secretOf(token.credential.id), counter);
  const resync = (codes: [string, string], credentialId = token.credential.id) =>
    app.resyncHotpFactor.execute({ actor: service, userId: "alice", credentialId, codes });
  const counter = () => {
    const { material } = app.activeCredential("alice", "counter_1");
    if (!("counter" in material)) throw new Error("counter_1 is not a HOTP credential");
    return material.counter;
  };

  it("two consecutive codes far beyond the look-ahead move the counter past both, audited as factor.resynced", async () => {
    // Confirmation used counter 0; the token has since been pressed 500 times.
    expect(counter()).toBe(1);
    unwrap(await resync([code(500), code(501)]));
    expect(counter()).toBe(502);
    expect(app.auditEvents().at(-1)).toMatchObject({ type: "factor.resynced", data: { from: 1, to: 502 } });
    const attempt = await app.start("alice", "hotp");
    expect(unwrap(await app.verify(attempt.attemptId, "counter_1", code(502)))).toMatchObject({ success: true, complete: true });
  });

  it("a resync's codes, and every earlier code, cannot be used again (SPEC §5: no replay of a resync code)", async () => {
    unwrap(await resync([code(40), code(41)]));
    for (const used of [40, 41, 39]) {
      const attempt = await app.start("alice", "hotp");
      expect(unwrap(await app.verify(attempt.attemptId, "counter_1", code(used)))).toMatchObject({ success: false });
    }
    expect(errorOf(await resync([code(40), code(41)])).code).toBe("invalid_code");
  });

  it("refuses codes that are not consecutive, out of order, beyond the window, or of the wrong shape, and counts each", async () => {
    const tries: Array<[string, string]> = [
      [code(10), code(12)],
      [code(11), code(10)],
      [code(HOTP_RESYNC_WINDOW + 2), code(HOTP_RESYNC_WINDOW + 3)],
      ["１２３４５６", code(11)],
    ];
    for (const [i, codes] of tries.entries()) {
      const e = errorOf(await resync(codes));
      expect(e).toMatchObject({ code: "invalid_code", failuresRemaining: 4 - i });
    }
    expect(app.failures("alice")).toBe(4);
    expect(counter()).toBe(1);
    expect(app.auditTypes().filter((t) => t === "factor.resync_failed")).toHaveLength(4);
  });

  it("is refused for a TOTP factor and for a locked user", async () => {
    await app.givenPolicy(aPolicy().withId("login"));
    const [totp] = await app.enrollAndConfirm("alice", "login", ["token_1"]);
    expect(errorOf(await resync(["123456", "123457"], totp!.credential.id)).code).toBe("invalid_input");
    // A pending HOTP factor is in the wrong state, not the wrong kind.
    const pending = await app.enroll("alice", "hotp", "counter_1");
    expect(errorOf(await resync(["123456", "123457"], pending.credential.id)).code).toBe("factor_not_active");
    for (let i = 0; i < 5; i++) await resync(["000000", "000001"]);
    expect(errorOf(await resync([code(5), code(6)])).code).toBe("user_locked");
    expect(app.store.lockState(TEST_TENANT, "alice").lockedUntil).not.toBeNull();
    // Refused while locked: audited, and the codes were not spent.
    expect(app.auditEvents().at(-1)).toMatchObject({ type: "factor.resync_failed", data: { reason: "user_locked" } });
    expect(counter()).toBe(1);
  });

  it("counts failures under the tenant's strictest lockout, like a confirmation", async () => {
    const lenient = aPolicy().withId("hotp").withSteps(1).withHotpFactors(1).withLockout({ maxFailures: 10 }).definition();
    unwrap(await app.savePolicy.execute({ actor: adminKey(), policyId: "hotp", definition: lenient, mode: "update" }));
    for (let i = 0; i < 4; i++) expect(errorOf(await resync(["000000", "000001"]))).toMatchObject({ failuresRemaining: 9 - i });
    await app.givenPolicy(aPolicy().withId("strict").withLockout({ maxFailures: 5 }));
    expect(errorOf(await resync(["000000", "000001"]))).toMatchObject({ failuresRemaining: 0, lockedUntil: expect.any(Number) });
  });
});
