import { adminKey, aPolicy, errorOf, serviceKey, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const admin = adminKey();
const service = serviceKey();

describe("GetLockout and UnlockUser", () => {
  let app: TestApp;
  let attemptId: string;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    ({ attemptId } = await app.start("alice", "login"));
  });

  const fail = (n: number) =>
    (async () => {
      for (let i = 0; i < n; i++) await app.verify(attemptId, "token_1", app.wrongCode("alice", "token_1"));
    })();

  it("GetLockout: an unknown user is unlocked with no history", async () => {
    expect(await app.getLockout.execute({ actor: service, userId: "nobody" })).toEqual({
      userId: "nobody",
      locked: false,
      lockedUntil: null,
      consecutiveFailures: 0,
      lockCount: 0,
    });
  });

  it("GetLockout: counts failures, shows a lock while it lasts, and only in the caller's tenant", async () => {
    await fail(2);
    expect(await app.getLockout.execute({ actor: service, userId: "alice" })).toMatchObject({
      locked: false,
      consecutiveFailures: 2,
      lockCount: 0,
    });
    await fail(3);
    const lockedUntil = app.clock.now() + 300_000;
    expect(await app.getLockout.execute({ actor: service, userId: "alice" })).toEqual({
      userId: "alice",
      locked: true,
      lockedUntil,
      consecutiveFailures: 5,
      lockCount: 1,
    });
    expect((await app.getLockout.execute({ actor: serviceKey("tenant-2"), userId: "alice" })).locked).toBe(false);
    app.clock.set(lockedUntil);
    expect(await app.getLockout.execute({ actor: service, userId: "alice" })).toMatchObject({ locked: false, lockedUntil: null });
  });

  it("UnlockUser: a service key → forbidden, nothing changed or audited", async () => {
    await fail(5);
    const audits = app.auditEvents().length;
    expect(errorOf(await app.unlockUser.execute({ actor: service, userId: "alice" })).code).toBe("forbidden");
    expect((await app.getLockout.execute({ actor: service, userId: "alice" })).locked).toBe(true);
    expect(app.auditEvents()).toHaveLength(audits);
  });

  it("UnlockUser: an admin ends the lock, is audited (S26), and the user can verify again; the back-off history stays", async () => {
    await fail(5);
    const view = unwrap(await app.unlockUser.execute({ actor: admin, userId: "alice" }));
    expect(view).toEqual({ userId: "alice", locked: false, lockedUntil: null, consecutiveFailures: 0, lockCount: 1 });
    expect(app.auditEvents().at(-1)).toMatchObject({
      type: "user.unlocked",
      userId: "alice",
      actor: { kind: "api_key", id: admin.keyId },
      data: { wasLocked: true, failures: 5 },
    });
    expect((await app.passCurrentStep(attemptId)).success).toBe(true);
    // A success clears the history too; without it the next lock would have lasted twice as long:
    app.nextPeriod();
    const fresh = await app.start("alice", "login");
    attemptId = fresh.attemptId;
    await fail(5);
    expect((await app.getLockout.execute({ actor: service, userId: "alice" })).lockedUntil).toBe(app.clock.now() + 300_000);
  });

  it("UnlockUser: the back-off survives an unlock, so the next lock lasts twice as long", async () => {
    await fail(5);
    unwrap(await app.unlockUser.execute({ actor: admin, userId: "alice" }));
    await fail(5);
    expect((await app.getLockout.execute({ actor: service, userId: "alice" })).lockedUntil).toBe(app.clock.now() + 600_000);
  });

  it("UnlockUser on a user who is not locked is harmless and still audited", async () => {
    await fail(1);
    unwrap(await app.unlockUser.execute({ actor: admin, userId: "alice" }));
    expect(app.auditEvents().at(-1)).toMatchObject({ type: "user.unlocked", data: { wasLocked: false, failures: 1 } });
    expect(app.failures("alice")).toBe(0);
  });
});
