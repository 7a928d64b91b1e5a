import { encodeBase32, generateSecret, generateTotp } from "@mfa-chain/totp";
import { describe, expect, it } from "vitest";
import { MfaChainBreached, MfaOrchestrator, PolicyError } from "./orchestrator.js";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const opts = { algorithm: "SHA1", digits: 6, period: 30 } as const;

function setup(mode: "fixed" | "random" = "fixed") {
  let now = T0;
  const raw = { token_1: generateSecret(), token_2: generateSecret(), token_3: generateSecret() };
  const orchestrator = new MfaOrchestrator({
    policy: {
      name: "seed example",
      mode,
      requiredSteps: 2,
      factors: [
        { id: "token_1", label: "Authenticator App", type: "totp" },
        { id: "token_2", label: "Backup Device", type: "totp" },
        { id: "token_3", label: "Hardware Token", type: "totp" },
      ],
    },
    secrets: Object.fromEntries(Object.entries(raw).map(([id, s]) => [id, encodeBase32(s)])),
    now: () => now,
  });
  const code = (factorId: string, at = now) => generateTotp(raw[factorId as keyof typeof raw], at, opts);
  return { orchestrator, code, advance: (ms: number) => (now += ms), now: () => now };
}

describe("MfaOrchestrator (library facade)", () => {
  it("runs the seed's fixed chain: step 1, step 2, complete", () => {
    const { orchestrator, code } = setup();
    const first = orchestrator.startAttempt();
    expect(first.currentFactor).toEqual({ id: "token_1", label: "Authenticator App", type: "totp" });
    const one = orchestrator.verifyStep({ factorId: "token_1", code: code("token_1") });
    expect(one).toMatchObject({ status: "verified", success: true, complete: false, nextFactor: { id: "token_2" } });
    const two = orchestrator.verifyStep({ factorId: "token_2", code: code("token_2") });
    expect(two).toMatchObject({ status: "verified", success: true, complete: true, nextFactor: null });
    expect(orchestrator.verifyStep({ factorId: "token_2", code: code("token_2") })).toEqual({ status: "attempt_completed" });
  });

  it("resets to step 1 on a wrong code and counts the failure", () => {
    const { orchestrator, code } = setup();
    orchestrator.startAttempt();
    orchestrator.verifyStep({ factorId: "token_1", code: code("token_1") });
    const wrong = code("token_2") === "000000" ? "000001" : "000000";
    const failed = orchestrator.verifyStep({ factorId: "token_2", code: wrong });
    expect(failed).toMatchObject({ success: false, reset: true, nextFactor: { id: "token_1" }, failuresRemaining: 4 });
  });

  it("throws MfaChainBreached for an out-of-order factor, after resetting the chain", () => {
    const { orchestrator, code } = setup();
    orchestrator.startAttempt();
    expect(() => orchestrator.verifyStep({ factorId: "token_2", code: code("token_2") })).toThrow(MfaChainBreached);
    // The failed breach left the cursor at step 1.
    expect(orchestrator.verifyStep({ factorId: "token_1", code: code("token_1") })).toMatchObject({ success: true });
  });

  it("S1 refuses a code accepted once, even after a reset (replay guard per factor)", () => {
    const { orchestrator, code } = setup();
    orchestrator.startAttempt();
    const c1 = code("token_1");
    expect(orchestrator.verifyStep({ factorId: "token_1", code: c1 })).toMatchObject({ success: true });
    orchestrator.startAttempt();
    expect(orchestrator.verifyStep({ factorId: "token_1", code: c1 })).toMatchObject({ success: false, reset: true });
  });

  it("S4 uses the policy's window: a code two steps old fails", () => {
    const { orchestrator, code, now } = setup();
    orchestrator.startAttempt();
    expect(orchestrator.verifyStep({ factorId: "token_1", code: code("token_1", now() - 60_000) })).toMatchObject({ success: false });
  });

  it("S7 locks after five failures and answers locked for right and wrong codes alike (S8)", () => {
    const { orchestrator, code } = setup();
    orchestrator.startAttempt();
    for (let i = 0; i < 5; i++) orchestrator.verifyStep({ factorId: "token_1", code: "12345" });
    const right = orchestrator.verifyStep({ factorId: "token_1", code: code("token_1") });
    const wrong = orchestrator.verifyStep({ factorId: "token_1", code: "000000" });
    expect(right.status).toBe("locked");
    expect(wrong).toEqual(right);
    // A new attempt does not forgive the failures.
    orchestrator.startAttempt();
    expect(orchestrator.verifyStep({ factorId: "token_1", code: code("token_1") }).status).toBe("locked");
  });

  it("S12 treats Unicode digits as a failure", () => {
    const { orchestrator } = setup();
    orchestrator.startAttempt();
    expect(orchestrator.verifyStep({ factorId: "token_1", code: "１２３４５６" })).toMatchObject({ success: false, reset: true });
  });

  it("random mode draws two distinct factors and completes with their codes", () => {
    const { orchestrator, code } = setup("random");
    const { currentFactor, steps } = orchestrator.startAttempt();
    expect(steps).toBe(2);
    const one = orchestrator.verifyStep({ factorId: currentFactor.id, code: code(currentFactor.id) });
    if (one.status !== "verified" || !one.nextFactor) throw new Error("expected a next factor");
    expect(one.nextFactor.id).not.toBe(currentFactor.id);
    expect(orchestrator.verifyStep({ factorId: one.nextFactor.id, code: code(one.nextFactor.id) })).toMatchObject({ complete: true });
  });

  it("rejects an invalid policy with every problem and its path", () => {
    expect(
      () => new MfaOrchestrator({ policy: { name: "x", mode: "fixed", requiredSteps: "2", factors: [], window: 100000 }, secrets: {} }),
    ).toThrow(PolicyError);
    try {
      new MfaOrchestrator({ policy: { name: "x", mode: "fixed", requiredSteps: "2", factors: [], window: 100000 }, secrets: {} });
    } catch (e) {
      const paths = (e as PolicyError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(["window", "requiredSteps", "factors"]));
    }
  });
});
