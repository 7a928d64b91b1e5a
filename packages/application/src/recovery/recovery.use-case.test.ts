// Notifications (issue 11) and recovery (issue 14) over the in-memory store: notifications queued with the action that
// they tell of and sent once it committed, on every channel, never failing the action; admin recovery with its delay,
// cancel token, single execution and audit; the immediate reset; a backup code opening enrollment.
import type { NotificationMessage } from "@mfa-chain/application";
import { beforeEach, describe, expect, it } from "vitest";
import { NotificationDispatcher } from "../notifications/notifications.js";
import { createRecoveryServices, RECOVERY_EXECUTE_WINDOW_MS } from "./recovery.use-case.js";
import { adminKey, errorOf, InjectedFault, serviceKey, TEST_TENANT, TestApp, unwrap } from "../testing/index.js";

const HOUR_S = 3600;
const ADDRESS = "alice@example.com";
const PHONE = "+447700900123";

async function savePolicy(app: TestApp, id: string, factors: { id: string; label: string; type: string }[], maxFailures = 5) {
  const definition = {
    name: id,
    mode: "fixed",
    requiredSteps: factors.length,
    factors: factors.map((f) => ({ ...f, options: {} })),
    lockout: { maxFailures, baseSeconds: 300, maxSeconds: 3600 },
  };
  unwrap(await app.savePolicy.execute({ actor: adminKey(), policyId: id, definition: definition as never, mode: "create" }), id);
}

const MAIL = { id: "mail", label: "Email", type: "email" };
const PHONE_SLOT = { id: "phone", label: "Phone", type: "sms" };
const CODES = { id: "codes", label: "Backup codes", type: "backup_code" };
const APP = { id: "app", label: "App", type: "totp" };

describe("notifications and recovery", () => {
  let app: TestApp;
  let dispatcher: NotificationDispatcher;
  let recovery: ReturnType<typeof createRecoveryServices>;
  const notices = () => app.delivery.sent.filter((m): m is NotificationMessage => m.kind === "notification");

  beforeEach(async () => {
    app = new TestApp();
    dispatcher = new NotificationDispatcher({
      uow: app.uow,
      clock: app.clock,
      kinds: app.kinds,
      delivery: app.delivery,
      cipher: app.cipher,
    });
    recovery = createRecoveryServices({
      uow: app.uow,
      clock: app.clock,
      ids: app.ids,
      hasher: app.hasher,
      cipher: app.cipher,
      kinds: app.kinds,
      notify: dispatcher,
    });
    await savePolicy(app, "channels", [MAIL, PHONE_SLOT]);
    await savePolicy(app, "codes-only", [CODES]);
    await savePolicy(app, "app", [APP]);
  });

  /** alice with a confirmed email and SMS factor and a set of backup codes; what was sent so far forgotten. */
  async function alice() {
    await app.confirm("alice", await app.enrollAny("alice", "channels", "mail", { destination: ADDRESS }));
    app.clock.advanceSeconds(31); // past the per-user send limit
    await app.confirm("alice", await app.enrollAny("alice", "channels", "phone", { destination: PHONE }));
    const codes = await app.enrollBackupCodes("alice", "codes-only", "codes");
    await dispatcher.drain();
    app.delivery.sent.length = 0;
    return codes;
  }

  describe("the notification port", () => {
    it("tells the user of a factor added on every channel they have, only once the action committed", async () => {
      await app.confirm("alice", await app.enrollAny("alice", "channels", "mail", { destination: ADDRESS }));
      expect(notices()).toEqual([]); // queued, not sent: the dispatcher sends after the commit
      expect(await dispatcher.drain()).toBe(1);
      expect(notices()).toEqual([expect.objectContaining({ event: "factor_added", channel: "email", to: ADDRESS, factorLabel: "Email" })]);
      app.clock.advanceSeconds(31);
      await app.confirm("alice", await app.enrollAny("alice", "channels", "phone", { destination: PHONE }));
      await dispatcher.drain();
      expect(
        notices()
          .slice(1)
          .map((m) => [m.event, m.channel, m.to]),
      ).toEqual([
        ["factor_added", "email", ADDRESS],
        ["factor_added", "sms", PHONE],
      ]);
      expect(app.auditTypes().filter((t) => t === "notification.sent")).toHaveLength(3);
    });

    it("a backup code used, a lockout and a factor removed are told too", async () => {
      const { codes } = await alice();
      const attempt = await app.start("alice", "codes-only");
      expect(unwrap(await app.verify(attempt.attemptId, "codes", codes[0] as string)).success).toBe(true);
      await dispatcher.drain();
      expect(notices().map((m) => m.event)).toEqual(["backup_code_used", "backup_code_used"]);

      const next = await app.start("alice", "codes-only");
      for (let i = 0; i < 5; i += 1) await app.verify(next.attemptId, "codes", "0000-0000-0000-0000");
      await dispatcher.drain();
      expect(
        notices()
          .slice(2)
          .map((m) => m.event),
      ).toEqual(["locked_out", "locked_out"]);

      const phone = app.activeCredential("alice", "phone");
      unwrap(await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: phone.id }));
      await dispatcher.drain();
      // The channels the user had when it was removed, the phone removed included (captured at the queueing).
      expect(
        notices()
          .slice(4)
          .map((m) => [m.event, m.channel, m.to, m.factorLabel]),
      ).toEqual([
        ["factor_removed", "email", ADDRESS, "Phone"],
        ["factor_removed", "sms", PHONE, "Phone"],
      ]);
    });

    it("a verify's notice is queued in the verify's own transaction: when queueing fails, the verify is not committed either", async () => {
      const { codes } = await alice();
      const wrong = "0000-0000-0000-0000";
      // A lockout: the fifth failure is refused whole while its notice cannot be queued, then counted, locked and told.
      const attempt = await app.start("alice", "codes-only");
      for (let i = 0; i < 4; i += 1) await app.verify(attempt.attemptId, "codes", wrong);
      const before = { failures: app.failures("alice"), audit: app.auditTypes() };
      const lockout = app.uow.failOn("notifications.enqueue", { times: 1 });
      await expect(app.verify(attempt.attemptId, "codes", wrong)).rejects.toBeInstanceOf(InjectedFault);
      expect(lockout.fired).toBe(1);
      expect({ failures: app.failures("alice"), audit: app.auditTypes() }).toEqual(before);
      expect(unwrap(await app.verify(attempt.attemptId, "codes", wrong)).success).toBe(false);
      expect(app.failures("alice")).toBe(5);
      expect(app.auditTypes().filter((t) => t === "user.locked")).toHaveLength(1);
      await dispatcher.drain();
      expect(notices().map((m) => m.event)).toEqual(["locked_out", "locked_out"]);

      // A backup code used: not spent while its notice cannot be queued; the same code then passes, and is told.
      app.clock.advanceSeconds(HOUR_S);
      const next = await app.start("alice", "codes-only");
      const used = app.uow.failOn("notifications.enqueue", { times: 1 });
      await expect(app.verify(next.attemptId, "codes", codes[0] as string)).rejects.toBeInstanceOf(InjectedFault);
      expect(used.fired).toBe(1);
      expect(unwrap(await app.verify(next.attemptId, "codes", codes[0] as string))).toMatchObject({ success: true, complete: true });
      await dispatcher.drain();
      expect(
        notices()
          .slice(2)
          .map((m) => m.event),
      ).toEqual(["backup_code_used", "backup_code_used"]);
    });

    it("the tenant's switch off: nothing is queued or sent; on again: sent", async () => {
      await alice();
      unwrap(await recovery.setTenantSettings.execute({ actor: adminKey(), settings: { notificationsEnabled: false } }));
      const phone = app.activeCredential("alice", "phone");
      unwrap(await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: phone.id }));
      expect(await dispatcher.drain()).toBe(0);
      expect(notices()).toEqual([]);
      unwrap(await recovery.setTenantSettings.execute({ actor: adminKey(), settings: { notificationsEnabled: true } }));
      unwrap(
        await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: app.activeCredential("alice", "codes").id }),
      );
      await dispatcher.drain();
      expect(notices().map((m) => m.event)).toEqual(["factor_removed"]);
    });

    it("a provider refusing never fails the action: the failure is audited (masked) and the notification is not kept", async () => {
      await alice();
      app.delivery.failing = "unavailable";
      const phone = app.activeCredential("alice", "phone");
      const revoked = await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: phone.id });
      expect(revoked.ok).toBe(true);
      expect(await dispatcher.drain()).toBe(1);
      const failed = app.auditEvents().filter((e) => e.type === "notification.failed");
      expect(failed).toHaveLength(2);
      expect(failed[0]?.data).toMatchObject({ event: "factor_removed", channel: "email", destination: "a***@example.com" });
      expect(failed[1]?.data).toMatchObject({ event: "factor_removed", channel: "sms" });
      expect(JSON.stringify(app.auditEvents())).not.toContain(ADDRESS);
      expect(await app.uow.run((r) => r.notifications.pendingCount(TEST_TENANT))).toBe(0);
    });

    it("a notification whose sealed token cannot be opened does not block the ones behind it", async () => {
      await alice();
      await app.uow.run((r) =>
        r.notifications.enqueue({
          tenantId: TEST_TENANT,
          userId: "alice",
          event: "recovery_requested",
          factorLabel: null,
          recipients: null,
          secret: { keyId: "gone", ciphertext: new Uint8Array([1, 2, 3]) },
          dueAt: app.clock.now(),
          createdAt: app.clock.now(),
        }),
      );
      const phone = app.activeCredential("alice", "phone");
      unwrap(await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: phone.id }));
      expect(await dispatcher.drain()).toBe(2);
      // A row that names no recipients goes to the active channels at the send (the email left); the removal names both.
      expect(notices().map((m) => [m.event, m.channel])).toEqual([
        ["recovery_requested", "email"],
        ["factor_removed", "email"],
        ["factor_removed", "sms"],
      ]);
      expect(notices()[0]?.cancelToken).toBeUndefined();
      const failed = app.auditEvents().filter((e) => e.type === "notification.failed");
      expect(failed.map((e) => e.data.reason)).toEqual([expect.stringMatching(/cancel token could not be opened/)]);
    });

    it("kick() sends in the background once the action committed", async () => {
      await alice();
      const phone = app.activeCredential("alice", "phone");
      unwrap(await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: phone.id }));
      dispatcher.kick();
      await dispatcher.idle();
      expect(notices().map((m) => m.event)).toEqual(["factor_removed", "factor_removed"]);
    });
  });

  describe("admin recovery", () => {
    const request = (actor = adminKey()) =>
      recovery.requestRecovery.execute({ actor, userId: "alice", verification: "video_call", reference: "TICKET-7" });

    it("S29 S26 requested by an admin only, recorded (who, how, reference), due after the tenant's delay, told at once with a cancel token", async () => {
      await alice();
      expect(errorOf(await request(serviceKey())).code).toBe("forbidden");
      const r = unwrap(await request());
      expect(r).toMatchObject({ state: "requested", requestedBy: adminKey().keyId, verification: "video_call", reference: "TICKET-7" });
      expect(r.dueAt - r.requestedAt).toBe(24 * HOUR_S * 1000);
      await dispatcher.idle();
      const told = notices().filter((m) => m.event === "recovery_requested");
      expect(told.map((m) => m.channel).sort()).toEqual(["email", "sms"]);
      expect(told[0]?.cancelToken).toMatch(/^mfarc_/);
      expect(told[0]?.dueAt).toBe(r.dueAt);
      expect(r.notified).toEqual([
        { channel: "email", destination: expect.stringContaining("***") },
        { channel: "sms", destination: expect.not.stringContaining(PHONE) },
      ]);
      // The token is stored only hashed; the sealed copy in the outbox is erased once sent.
      const dump = JSON.stringify(app.store.snapshot(), (_k, v: unknown) => (v instanceof Map ? [...v] : v));
      expect(dump).not.toContain(told[0]?.cancelToken as string);
      expect(errorOf(await request()).code).toBe("recovery_pending");
      const audit = app.auditEvents().find((e) => e.type === "recovery.requested");
      expect(audit?.data).toMatchObject({ verification: "video_call", reference: "TICKET-7", recoveryId: r.id });
    });

    it("S29 executed before its delay → recovery_not_due; after → every factor, device and backup code revoked, enrollment open, at most once", async () => {
      await alice();
      const r = unwrap(await request());
      app.clock.advanceSeconds(24 * HOUR_S - 1);
      expect(errorOf(await recovery.executeRecovery.execute({ actor: adminKey(), recoveryId: r.id })).code).toBe("recovery_not_due");
      app.clock.advanceSeconds(1);
      const [one, two] = await Promise.all([
        recovery.executeRecovery.execute({ actor: adminKey(), recoveryId: r.id }),
        recovery.executeRecovery.execute({ actor: adminKey(), recoveryId: r.id }),
      ]);
      const results = [one, two];
      expect(results.filter((x) => x.ok)).toHaveLength(1);
      expect(results.filter((x) => !x.ok).map((x) => errorOf(x).code)).toEqual(["recovery_closed"]);
      const done = unwrap(results.find((x) => x.ok) ?? one);
      expect(done.state).toBe("completed");
      expect(done.revoked).toHaveLength(3);
      const factors = await app.listFactors.execute({ actor: adminKey(), userId: "alice" });
      expect(factors.every((f) => f.status === "revoked")).toBe(true);
      // Enrollment is open again, as a first enrollment: no re-authentication, a service key.
      const enrolled = await app.enrollAny("alice", "app", "app", { actor: serviceKey() });
      expect(enrolled.credential.status).toBe("pending");
      const types = app.auditTypes();
      expect(types).toEqual(expect.arrayContaining(["recovery.requested", "recovery.ready", "recovery.completed", "factor.revoked"]));
      expect(
        app
          .auditEvents()
          .filter((e) => e.type === "factor.revoked")
          .every((e) => e.data.authorizedBy === "recovery"),
      ).toBe(true);
    });

    it("cancelled by the user's token (any key of the tenant); then it cannot run; a wrong token or another tenant finds nothing", async () => {
      await alice();
      const r = unwrap(await request());
      await dispatcher.idle();
      const token = notices().find((m) => m.event === "recovery_requested")?.cancelToken as string;
      expect(errorOf(await recovery.cancelRecovery.execute({ actor: serviceKey(), cancelToken: `${token}x` })).code).toBe(
        "recovery_not_found",
      );
      expect(errorOf(await recovery.cancelRecovery.execute({ actor: serviceKey("tenant-2"), cancelToken: token })).code).toBe(
        "recovery_not_found",
      );
      expect(unwrap(await recovery.cancelRecovery.execute({ actor: serviceKey(), cancelToken: token })).state).toBe("cancelled");
      app.clock.advanceSeconds(25 * HOUR_S);
      expect(errorOf(await recovery.executeRecovery.execute({ actor: adminKey(), recoveryId: r.id })).code).toBe("recovery_closed");
      expect(errorOf(await recovery.cancelRecovery.execute({ actor: serviceKey(), cancelToken: token })).code).toBe("recovery_closed");
      expect(app.auditTypes()).toContain("recovery.cancelled");
      expect(app.activeCredential("alice", "mail")).toBeTruthy();
    });

    it("a ready recovery not executed in its window expires (audited) and cannot run", async () => {
      await alice();
      const r = unwrap(await request());
      app.clock.advanceSeconds(24 * HOUR_S);
      expect(unwrap(await recovery.getRecovery.execute({ actor: adminKey(), recoveryId: r.id })).state).toBe("ready");
      app.clock.advanceSeconds(RECOVERY_EXECUTE_WINDOW_MS / 1000);
      expect(unwrap(await recovery.getRecovery.execute({ actor: adminKey(), recoveryId: r.id })).state).toBe("expired");
      expect(errorOf(await recovery.executeRecovery.execute({ actor: adminKey(), recoveryId: r.id })).code).toBe("recovery_closed");
      expect(app.auditTypes().filter((t) => t.startsWith("recovery."))).toEqual([
        "recovery.requested",
        "recovery.ready",
        "recovery.expired",
      ]);
    });

    it("S29 reset all factors at once only where the tenant turned the delay off, once the old delay has passed; the user is told on the channels they had", async () => {
      await alice();
      const reset = () =>
        recovery.resetFactors.execute({ actor: adminKey(), userId: "alice", verification: "in_person", reference: "T-9" });
      expect(errorOf(await reset()).code).toBe("recovery_delay_required");
      expect(errorOf(await recovery.setTenantSettings.execute({ actor: adminKey(), settings: { recoveryDelaySeconds: -1 } })).code).toBe(
        "invalid_input",
      );
      expect(errorOf(await recovery.setTenantSettings.execute({ actor: serviceKey(), settings: { recoveryDelaySeconds: 0 } })).code).toBe(
        "forbidden",
      );
      // Lowered: pending until the 24 h in force now have passed; the delay stays on till then.
      const lowered = unwrap(await recovery.setTenantSettings.execute({ actor: adminKey(), settings: { recoveryDelaySeconds: 0 } }));
      expect(lowered).toMatchObject({
        recoveryDelaySeconds: 24 * HOUR_S,
        pendingRecoveryDelay: { recoveryDelaySeconds: 0, effectiveAt: app.clock.now() + 24 * HOUR_S * 1000 },
      });
      expect(errorOf(await reset()).code).toBe("recovery_delay_required");
      app.clock.advanceSeconds(24 * HOUR_S - 1);
      expect(errorOf(await reset()).code).toBe("recovery_delay_required");
      app.clock.advanceSeconds(1);
      expect(await recovery.getTenantSettings.execute({ actor: serviceKey() })).toMatchObject({
        recoveryDelaySeconds: 0,
        pendingRecoveryDelay: null,
      });
      const done = unwrap(await reset());
      expect(done.revoked).toHaveLength(3);
      expect(done.notified.map((c) => c.channel).sort()).toEqual(["email", "sms"]);
      const audit = app.auditEvents().find((e) => e.type === "recovery.factors_reset");
      expect(audit?.data).toMatchObject({ verification: "in_person", reference: "T-9", revoked: 3, notified: 2 });
      // Every factor is revoked, yet the notice reaches the channels the user had before.
      await dispatcher.idle();
      expect(notices().map((m) => [m.event, m.channel, m.to])).toEqual([
        ["factors_reset", "email", ADDRESS],
        ["factors_reset", "sms", PHONE],
      ]);
    });

    it("a raised delay is in force at once and drops a pending lower one", async () => {
      const set = async (recoveryDelaySeconds: number) =>
        unwrap(await recovery.setTenantSettings.execute({ actor: adminKey(), settings: { recoveryDelaySeconds } }));
      expect(await set(3600)).toMatchObject({ recoveryDelaySeconds: 24 * HOUR_S, pendingRecoveryDelay: { recoveryDelaySeconds: 3600 } });
      // The other switch leaves the pending delay as it is.
      unwrap(await recovery.setTenantSettings.execute({ actor: adminKey(), settings: { notificationsEnabled: false } }));
      expect((await recovery.getTenantSettings.execute({ actor: adminKey() })).pendingRecoveryDelay).toMatchObject({
        recoveryDelaySeconds: 3600,
      });
      expect(await set(48 * HOUR_S)).toMatchObject({ recoveryDelaySeconds: 48 * HOUR_S, pendingRecoveryDelay: null });
      app.clock.advanceSeconds(25 * HOUR_S);
      expect((await recovery.getTenantSettings.execute({ actor: adminKey() })).recoveryDelaySeconds).toBe(48 * HOUR_S);
      const audit = app.auditEvents().filter((e) => e.type === "tenant.settings_set");
      expect(audit[0]?.data).toMatchObject({ recoveryDelaySeconds: 24 * HOUR_S, pendingRecoveryDelaySeconds: 3600 });
    });

    it("a user with no email or SMS channel: the recovery says notified: [] and the missing channel is audited", async () => {
      await app.enrollBackupCodes("alice", "codes-only", "codes");
      const r = unwrap(await request());
      expect(r.notified).toEqual([]);
      const failed = app.auditEvents().filter((e) => e.type === "notification.failed");
      expect(failed.map((e) => e.data)).toEqual([
        expect.objectContaining({ event: "recovery_requested", reason: expect.stringMatching(/no channel/) }),
      ]);
      expect(app.auditEvents().find((e) => e.type === "recovery.requested")?.data).toMatchObject({ notified: 0 });
    });

    it("S7 a recovery leaves the user's failure counter as it was: only a success resets it", async () => {
      await alice();
      const attempt = await app.start("alice", "codes-only");
      for (let i = 0; i < 3; i += 1) await app.verify(attempt.attemptId, "codes", "0000-0000-0000-0000");
      expect(app.failures("alice")).toBe(3);
      unwrap(await recovery.setTenantSettings.execute({ actor: adminKey(), settings: { recoveryDelaySeconds: 0 } }));
      app.clock.advanceSeconds(24 * HOUR_S); // the lowered delay is in force once the old one has passed
      const r = unwrap(await request());
      unwrap(await recovery.executeRecovery.execute({ actor: adminKey(), recoveryId: r.id }));
      expect(app.failures("alice")).toBe(3);
    });
  });

  describe("a backup code opens enrollment", () => {
    it("S29 a user who lost their app passes a backup-code chain, and that attempt re-authenticates a new enrollment", async () => {
      await app.confirm("alice", await app.enrollAny("alice", "app", "app"));
      const { codes } = await app.enrollBackupCodes("alice", "codes-only", "codes");
      // Without re-authentication, a service key may not add a factor to a user who has some.
      const refused = await app.enrollFactor.execute({
        actor: serviceKey(),
        userId: "alice",
        policyId: "channels",
        factorId: "mail",
        details: { destination: ADDRESS },
      });
      expect(errorOf(refused).code).toBe("reauthentication_required");
      const attempt = await app.start("alice", "codes-only");
      expect(unwrap(await app.verify(attempt.attemptId, "codes", codes[0] as string)).complete).toBe(true);
      const enrolled = await app.enrollFactor.execute({
        actor: serviceKey(),
        userId: "alice",
        policyId: "channels",
        factorId: "mail",
        details: { destination: ADDRESS },
        reauthAttemptId: attempt.attemptId,
      });
      expect(unwrap(enrolled).credential.status).toBe("pending");
    });
  });
});
