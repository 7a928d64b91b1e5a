// Notifications (issue 11) and recovery (issue 14) end to end on real parts: two API instances on one PostgreSQL
// database, notifications delivered over a real SMTP conversation (nodemailer → an SMTP server on loopback with
// STARTTLS and a certificate made at run time) and parsed back with mailparser. Factor added, removed, backup code used,
// locked out, recovery requested with its cancel token; the tenant's switch off → no mail; a recovery executed before
// its delay → 409, after → every factor revoked and enrollment open; cancelled by the user's token; parallel executions
// → one.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { makeTestCertificates, startSmtpTestServer, type SmtpTestServer } from "@mfa-chain/delivery/testing";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../src/boot/api-keys.js";
import { loadConfig } from "../src/config.js";
import { startServer, type RunningServer } from "../src/server.js";
import { ApiClient, uniqueId } from "./support/api.js";

const database = useTestDatabase("api_recovery");
let smtp: SmtpTestServer;
let servers: RunningServer[] = [];
let a: ApiClient;
let b: ApiClient;
let tenantId: string;
let db: pg.Client;

beforeAll(async () => {
  const certificates = makeTestCertificates();
  smtp = await startSmtpTestServer({ certificates });
  const dir = mkdtempSync(join(tmpdir(), "mfa-recovery-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, certificates.caPem);
  const deliveryEnv = { SMTP_URL: `smtp://localhost:${smtp.port}`, SMTP_FROM: "no-reply@mfa.test", SMTP_TLS_CA_FILE: caFile };
  const shared = { MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`, MFA_CODE_HASH_KEY: randomBytes(32).toString("base64") };
  const start = async () => {
    const config = loadConfig({
      DATABASE_URL: database.url,
      PORT: "0",
      LOG_LEVEL: "silent",
      MFA_DEMO: "false",
      RATE_LIMIT_PER_IP: "1000000",
      RATE_LIMIT_PER_KEY: "1000000",
      SHUTDOWN_GRACE_SECONDS: "2",
      ...shared,
    });
    const server = await startServer({ config, auditSealMs: 0, env: deliveryEnv });
    await server.started;
    return server;
  };
  servers = [await start(), await start()];
  tenantId = uniqueId("t");
  const { apiKey } = await createTenant(servers[0]!.database.db, { id: tenantId, name: "recovery", role: "admin", now: Date.now() });
  a = new ApiClient(servers[0]!.url, apiKey);
  b = new ApiClient(servers[1]!.url, apiKey);
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const policies = [
    { id: "mail", name: "Email", mode: "fixed", requiredSteps: 1, factors: [{ id: "mail", label: "Work email", type: "email" }] },
    {
      id: "codes",
      name: "Backup codes",
      mode: "fixed",
      requiredSteps: 1,
      factors: [{ id: "codes", label: "Backup codes", type: "backup_code" }],
      lockout: { maxFailures: 3, baseSeconds: 60, maxSeconds: 60 },
    },
    { id: "app", name: "App", mode: "fixed", requiredSteps: 1, factors: [{ id: "app", label: "App", type: "totp" }] },
  ];
  for (const p of policies) expect((await a.post("/v1/policies", p)).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await db?.end();
  await Promise.all(servers.map((s) => s.close()));
  await smtp?.close();
});

interface Mail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Every message received for an address, parsed (over TLS), oldest first. */
function mailsTo(address: string): Mail[] {
  return smtp.received
    .filter((m) => m.rcptTo.includes(address))
    .map((m) => {
      expect(m.secure).toBe(true);
      return { subject: m.parsed.subject ?? "", text: m.parsed.text ?? "", html: typeof m.parsed.html === "string" ? m.parsed.html : "" };
    });
}

async function waitForMail(address: string, subject: RegExp, count = 1): Promise<Mail> {
  const since = Date.now();
  for (;;) {
    const found = mailsTo(address).filter((m) => subject.test(m.subject));
    if (found.length >= count) return found[count - 1] as Mail;
    if (Date.now() - since > 15_000) {
      throw new Error(
        `no message #${count} matching ${String(subject)} arrived; got: ${mailsTo(address)
          .map((m) => m.subject)
          .join(" | ")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

const notices = (address: string) => mailsTo(address).filter((m) => !/verification code|Confirm your new second factor/.test(m.subject));

/** A user with a confirmed email factor (confirmed with the mailed code) and a set of backup codes. */
async function user() {
  const userId = uniqueId("u");
  const address = `${userId.replace("_", ".")}@example.test`;
  const enrolled = await a.post(`/v1/users/${userId}/factors`, { policyId: "mail", factorId: "mail", destination: address });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  const confirmMail = await waitForMail(address, /Confirm your new second factor/);
  const code = /\b(\d{6,8})\b/.exec(confirmMail.text)?.[1] as string;
  const confirmed = await a.post(`/v1/users/${userId}/factors/${enrolled.body.factor.id}/confirm`, { code });
  expect(confirmed.body).toMatchObject({ confirmed: true });
  const codes = await a.post(`/v1/users/${userId}/factors`, { policyId: "codes", factorId: "codes" });
  expect(codes.status).toBe(201);
  return {
    userId,
    address,
    mailCredential: enrolled.body.factor.id as string,
    codes: codes.body.codes as string[],
    codesCredential: codes.body.factor.id as string,
    confirmCode: code,
  };
}

async function auditTypes(userId: string): Promise<string[]> {
  const page = await a.get(`/v1/audit-events?userId=${userId}&limit=200`);
  expect(page.status).toBe(200);
  return (page.body.events as { type: string }[]).map((e) => e.type);
}

/** Moves a recovery's due time into the past, as the database's clock would after the delay. */
async function makeDue(recoveryId: string): Promise<void> {
  await db.query(
    "update recoveries set requested_at = now() - interval '25 hours', due_at = now() - interval '1 hour', expires_at = now() + interval '6 days' where tenant_id = $1 and id = $2",
    [tenantId, recoveryId],
  );
}

describe("notifications over a real SMTP conversation", () => {
  it("S26 factor added, backup code used, locked out and factor removed are mailed, with no code or secret in a subject", async () => {
    const u = await user();
    const added = await waitForMail(u.address, /second factor was added/, 2);
    expect(
      mailsTo(u.address)
        .filter((m) => /was added/.test(m.subject))
        .map((m) => /\(([^)]+)\)/.exec(m.text)?.[1]),
    ).toEqual(["Work email", "Backup codes"]);
    expect(added.html).toContain("<strong>Backup codes</strong>");

    const attempt = await b.post("/v1/attempts", { userId: u.userId, policyId: "codes" });
    const passed = await b.post(`/v1/attempts/${attempt.body.attemptId}/verify`, { factorId: "codes", code: u.codes[0] });
    expect(passed.body).toMatchObject({ success: true, complete: true });
    await waitForMail(u.address, /backup code was used/);

    const next = await b.post("/v1/attempts", { userId: u.userId, policyId: "codes" });
    for (let i = 0; i < 3; i += 1)
      await b.post(`/v1/attempts/${next.body.attemptId}/verify`, { factorId: "codes", code: "0000-0000-0000-0000" });
    const locked = await waitForMail(u.address, /temporarily locked/);
    expect(locked.text).toMatch(/locked your account at \d{4}-\d{2}-\d{2}/);

    const revoked = await a.post(`/v1/users/${u.userId}/factors/${u.codesCredential}/revoke`, {});
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const removed = await waitForMail(u.address, /was removed/);
    expect(removed.text).toContain("(Backup codes)");

    for (const m of notices(u.address)) {
      expect(m.subject).not.toMatch(/\d{6}/);
      for (const secret of [...u.codes, u.confirmCode]) expect(`${m.subject}\n${m.text}\n${m.html}`).not.toContain(secret);
    }
    expect(await auditTypes(u.userId)).toContain("notification.sent");
  });

  it("a notification queued by a process that stopped before sending it is sent by another (the outbox survives)", async () => {
    const u = await user();
    await waitForMail(u.address, /was added/, 2);
    // As a process leaves it that committed the action and died before its dispatcher ran: a pending row, no kick.
    await db.query(
      "insert into notification_outbox (tenant_id, user_id, event, factor_label, created_at) values ($1, $2, 'factor_removed', 'Old phone', now())",
      [tenantId, u.userId],
    );
    const mail = await waitForMail(u.address, /was removed/);
    expect(mail.text).toContain("(Old phone)");
    // Marked processed in the send's transaction, which commits just after the SMTP server accepted the message.
    const pending = async () =>
      (await db.query("select count(*)::int as n from notification_outbox where tenant_id = $1 and processed_at is null", [tenantId]))
        .rows[0].n as number;
    for (let i = 0; i < 100 && (await pending()) > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(await pending()).toBe(0);
    // Sent once, though both instances drain the outbox.
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo(u.address).filter((m) => /was removed/.test(m.subject))).toHaveLength(1);
  });

  it("the tenant's switch off → no notification mail; on again → mailed (the outbox is drained in order)", async () => {
    const off = await a.put("/v1/settings", { notificationsEnabled: false });
    expect(off.body).toMatchObject({ notificationsEnabled: false, recoveryDelaySeconds: 86400 });
    try {
      const u = await user();
      const revoked = await a.post(`/v1/users/${u.userId}/factors/${u.codesCredential}/revoke`, {});
      expect(revoked.status).toBe(200);
      expect((await a.put("/v1/settings", { notificationsEnabled: true })).status).toBe(200);
      // Something told after the switch is on again: once it arrived, anything queued before would have too.
      const again = await a.post(`/v1/users/${u.userId}/factors`, { policyId: "codes", factorId: "codes" });
      expect(again.status).toBe(201);
      await waitForMail(u.address, /was added/);
      expect(notices(u.address).map((m) => m.subject)).toEqual(["A second factor was added to your account"]);
    } finally {
      await a.put("/v1/settings", { notificationsEnabled: true });
    }
  });
});

describe("admin recovery, PostgreSQL, two API instances", () => {
  const ask = (userId: string) => a.post(`/v1/users/${userId}/recoveries`, { verification: "video_call", reference: "TICKET-42" });
  const cancelTokenIn = (m: Mail) => /\bmfarc_[A-Za-z0-9_-]+/.exec(m.text)?.[0] as string;

  it("S29 requested by an admin (audited): the user is told at once with a cancel token; before its delay → 409; after → factors, devices and backup codes revoked, enrollment open; parallel executions → one", async () => {
    const u = await user();
    // A remembered device, to be revoked with the factors.
    const attempt = await a.post("/v1/attempts", { userId: u.userId, policyId: "codes" });
    await a.post(`/v1/attempts/${attempt.body.attemptId}/verify`, { factorId: "codes", code: u.codes[1] });
    const device = await a.post("/v1/devices", { attemptId: attempt.body.attemptId, label: "laptop" });
    expect(device.status).toBe(201);

    const requested = await ask(u.userId);
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(requested.body).toMatchObject({ state: "requested", verification: "video_call", reference: "TICKET-42", userId: u.userId });
    expect(requested.body.notified).toEqual([{ channel: "email", destination: expect.stringContaining("***") }]);
    expect(JSON.stringify(requested.body)).not.toContain(u.address);
    expect(Date.parse(requested.body.dueAt) - Date.parse(requested.body.requestedAt)).toBe(24 * 3600 * 1000);
    const told = await waitForMail(u.address, /recovery was requested/);
    const token = cancelTokenIn(told);
    expect(token).toMatch(/^mfarc_[A-Za-z0-9_-]{32,}$/);
    expect(told.subject).not.toContain(token);
    // Stored only as a keyed hash; the sealed copy in the outbox is erased once sent.
    const rows = await db.query("select * from recoveries where tenant_id = $1", [tenantId]);
    expect(JSON.stringify(rows.rows)).not.toContain(token);
    // (The send's transaction commits just after the SMTP server accepted the message.)
    const sealedLeft = async () =>
      (
        await db.query("select count(*)::int as n from notification_outbox where tenant_id = $1 and secret_ciphertext is not null", [
          tenantId,
        ])
      ).rows[0].n as number;
    for (let i = 0; i < 100 && (await sealedLeft()) > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(await sealedLeft()).toBe(0);
    expect((await ask(u.userId)).body.code).toBe("recovery_pending");

    const early = await b.post(`/v1/recoveries/${requested.body.id}/execute`, {});
    expect(early.status).toBe(409);
    expect(early.contentType).toContain("application/problem+json");
    expect(early.body).toMatchObject({ code: "recovery_not_due", dueAt: requested.body.dueAt });
    expect(Number(early.headers.get("retry-after"))).toBeGreaterThan(23 * 3600);

    await makeDue(requested.body.id);
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).post(`/v1/recoveries/${requested.body.id}/execute`, {})),
    );
    expect(runs.map((r) => r.status).sort()).toEqual([200, ...Array<number>(9).fill(409)]);
    expect(runs.filter((r) => r.status === 409).every((r) => r.body.code === "recovery_closed")).toBe(true);
    const done = runs.find((r) => r.status === 200)!;
    expect(done.body.recovery.state).toBe("completed");
    expect(done.body.revoked.sort()).toEqual([u.codesCredential, u.mailCredential].sort());

    const factors = await a.get(`/v1/users/${u.userId}/factors`);
    expect((factors.body.factors as { status: string }[]).every((f) => f.status === "revoked")).toBe(true);
    const devices = await a.get(`/v1/users/${u.userId}/devices`);
    expect((devices.body.devices as { revokedAt: string | null }[]).every((d) => d.revokedAt !== null)).toBe(true);
    // Enrollment is open again: a first enrollment, no re-authentication needed.
    const fresh = await a.post(`/v1/users/${u.userId}/factors`, { policyId: "app", factorId: "app" });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
    expect((await a.get(`/v1/recoveries/${requested.body.id}`)).body.state).toBe("completed");
    const types = await auditTypes(u.userId);
    for (const t of ["recovery.requested", "recovery.ready", "recovery.completed", "factor.revoked", "device.revoked"])
      expect(types).toContain(t);
    expect(types.filter((t) => t === "recovery.completed")).toHaveLength(1);
  });

  it("cancelled by the user's token: then it never runs; a used or unknown token is refused", async () => {
    const u = await user();
    const requested = await ask(u.userId);
    const token = cancelTokenIn(await waitForMail(u.address, /recovery was requested/));
    const cancelled = await b.post("/v1/recoveries/cancel", { cancelToken: token });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ id: requested.body.id, state: "cancelled" });
    expect((await b.post("/v1/recoveries/cancel", { cancelToken: token })).body.code).toBe("recovery_closed");
    expect((await b.post("/v1/recoveries/cancel", { cancelToken: `mfarc_${"A".repeat(32)}` })).status).toBe(404);
    await makeDue(requested.body.id);
    const run = await a.post(`/v1/recoveries/${requested.body.id}/execute`, {});
    expect(run.status).toBe(409);
    expect(run.body.code).toBe("recovery_closed");
    expect((await a.get(`/v1/users/${u.userId}/factors`)).body.factors.some((f: { status: string }) => f.status === "active")).toBe(true);
    expect(await auditTypes(u.userId)).toContain("recovery.cancelled");
  });

  it("S29 reset all factors: refused while the delay is on; a delay lowered to 0 is in force only once the old delay has passed (database clock); the user is told on the channel the reset revoked", async () => {
    const u = await user();
    const body = { verification: "in_person", reference: "DESK-7" };
    const refused = await a.post(`/v1/users/${u.userId}/reset-factors`, body);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("recovery_delay_required");
    const lowered = await a.put("/v1/settings", { recoveryDelaySeconds: 0 });
    expect(lowered.status).toBe(200);
    expect(lowered.body).toMatchObject({ recoveryDelaySeconds: 86400, pendingRecoveryDelay: { recoveryDelaySeconds: 0 } });
    const effectiveAt = Date.parse(lowered.body.pendingRecoveryDelay.effectiveAt);
    expect(Math.abs(effectiveAt - (Date.now() + 86400 * 1000))).toBeLessThan(60_000);
    try {
      // Still on, on either instance: one admin key cannot turn the delay off and reset at once.
      for (const client of [a, b]) {
        const early = await client.post(`/v1/users/${u.userId}/reset-factors`, body);
        expect(early.status).toBe(409);
        expect(early.body.code).toBe("recovery_delay_required");
      }
      expect((await a.get(`/v1/users/${u.userId}/factors`)).body.factors.some((f: { status: string }) => f.status === "active")).toBe(true);
      // The old delay passes (by the database's clock).
      await db.query("update tenant_settings set pending_recovery_delay_at = now() - interval '1 second' where tenant_id = $1", [tenantId]);
      expect((await b.get("/v1/settings")).body).toMatchObject({ recoveryDelaySeconds: 0, pendingRecoveryDelay: null });
      const reset = await a.post(`/v1/users/${u.userId}/reset-factors`, body);
      expect(reset.status, JSON.stringify(reset.body)).toBe(200);
      expect(reset.body.revoked).toHaveLength(2);
      expect(reset.body.notified).toEqual([{ channel: "email", destination: expect.stringContaining("***") }]);
      expect(await auditTypes(u.userId)).toContain("recovery.factors_reset");
      // The email factor was revoked by the reset, yet the notice reaches it.
      const told = await waitForMail(u.address, /second factors were removed/);
      expect(told.text).toMatch(/removed all the second factors of your account at \d{4}-\d{2}-\d{2}/);
    } finally {
      // Raising is in force at once.
      expect((await a.put("/v1/settings", { recoveryDelaySeconds: 86400 })).body).toMatchObject({
        recoveryDelaySeconds: 86400,
        pendingRecoveryDelay: null,
      });
    }
  });

  it("removing the user's only email factor: the notice still reaches that address", async () => {
    const u = await user();
    expect((await a.post(`/v1/users/${u.userId}/factors/${u.codesCredential}/revoke`, {})).status).toBe(200);
    await waitForMail(u.address, /was removed/);
    const revoked = await a.post(`/v1/users/${u.userId}/factors/${u.mailCredential}/revoke`, {});
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const removed = await waitForMail(u.address, /was removed/, 2);
    expect(removed.text).toContain("(Work email)");
  });

  it("a recovery of a user with no email or SMS channel says notified: [] and audits the missing channel", async () => {
    const userId = uniqueId("u");
    expect((await a.post(`/v1/users/${userId}/factors`, { policyId: "codes", factorId: "codes" })).status).toBe(201);
    const requested = await ask(userId);
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(requested.body.notified).toEqual([]);
    const page = await a.get(`/v1/audit-events?userId=${userId}&limit=200`);
    const failed = (page.body.events as { type: string; data: Record<string, unknown> }[]).filter((e) => e.type === "notification.failed");
    expect(failed.map((e) => e.data.reason)).toEqual([expect.stringMatching(/no channel/)]);
  });

  it("parallel request, execute and cancel for one user on two instances never answer 5xx (one lock order: user, then recovery)", async () => {
    for (let round = 0; round < 3; round += 1) {
      const u = await user();
      const first = await ask(u.userId);
      expect(first.status).toBe(201);
      const token = cancelTokenIn(await waitForMail(u.address, /recovery was requested/));
      await makeDue(first.body.id);
      const calls = Array.from({ length: 12 }, (_, i) => {
        const client = i % 2 === 0 ? a : b;
        if (i % 3 === 0)
          return client.post(`/v1/users/${u.userId}/recoveries`, { verification: "video_call", reference: `R-${round}-${i}` });
        if (i % 3 === 1) return client.post(`/v1/recoveries/${first.body.id}/execute`, {});
        return client.post("/v1/recoveries/cancel", { cancelToken: token });
      });
      const answers = await Promise.all(calls);
      expect(answers.filter((r) => r.status >= 500).map((r) => JSON.stringify(r.body))).toEqual([]);
      // The first recovery ended one way: completed or cancelled.
      expect(["completed", "cancelled"]).toContain((await a.get(`/v1/recoveries/${first.body.id}`)).body.state);
    }
  }, 90_000);

  it("bad input → 4xx problem+json that changes nothing", async () => {
    const u = await user();
    const cases = [
      await a.post(`/v1/users/${u.userId}/recoveries`, { verification: "video_call" }),
      await a.post(`/v1/users/${u.userId}/recoveries`, { verification: "video_call", reference: "x", extra: 1 }),
      await a.post(`/v1/users/${u.userId}/recoveries`, { verification: "\u0000", reference: "x" }),
      await a.post("/v1/recoveries/cancel", { cancelToken: "nope" }),
      await a.put("/v1/settings", { recoveryDelaySeconds: -5 }),
      await a.put("/v1/settings", { notificationsEnabled: "yes" }),
      await a.get("/v1/recoveries/rec_doesnotexist"),
      await a.post("/v1/recoveries/not-a-recovery/execute", {}),
    ];
    expect(cases.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 404, 400]);
    for (const r of cases) expect(r.contentType).toContain("application/problem+json");
    expect((await a.get(`/v1/users/${u.userId}/recoveries`)).body.recoveries).toEqual([]);
    expect((await a.get("/v1/settings")).body).toMatchObject({ notificationsEnabled: true, recoveryDelaySeconds: 86400 });
  });
});
