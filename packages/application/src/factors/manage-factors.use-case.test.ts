import { adminKey, aPolicy, errorOf, serviceKey, TEST_TENANT, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();

describe("ListFactors and RevokeFactor", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(3).withSteps(2));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    await app.enroll("alice", "login", "token_3");
  });

  const revoke = (credentialId: string, extra: { actor?: typeof service; reauthAttemptId?: string; userId?: string } = {}) =>
    app.revokeFactor.execute({
      actor: extra.actor ?? service,
      userId: extra.userId ?? "alice",
      credentialId,
      ...(extra.reauthAttemptId === undefined ? {} : { reauthAttemptId: extra.reauthAttemptId }),
    });

  it("ListFactors: the user's credentials of every status, without secrets, only in the caller's tenant", async () => {
    const listed = await app.listFactors.execute({ actor: service, userId: "alice" });
    expect(listed.map((c) => [c.factorId, c.status])).toEqual([
      ["token_1", "active"],
      ["token_2", "active"],
      ["token_3", "pending"],
    ]);
    for (const c of listed) expect(Object.keys(c)).not.toContain("secret");
    expect(await app.listFactors.execute({ actor: serviceKey("tenant-2"), userId: "alice" })).toEqual([]);
    expect(await app.listFactors.execute({ actor: service, userId: "bob" })).toEqual([]);
  });

  it("S29 a service key needs a fresh completed attempt to revoke; with one it works and is audited", async () => {
    const id = app.activeCredential("alice", "token_2").id;
    expect(errorOf(await revoke(id)).code).toBe("reauthentication_required");
    expect(app.activeCredential("alice", "token_2").id).toBe(id);
    const reauthAttemptId = await app.completedAttempt("alice", "login");
    const view = unwrap(await revoke(id, { reauthAttemptId }));
    expect(view).toMatchObject({ id, status: "revoked", revokedAt: app.clock.now() });
    expect(app.auditEvents().at(-1)).toMatchObject({
      type: "factor.revoked",
      factorId: "token_2",
      data: { credentialId: id, authorizedBy: "reauthentication" },
    });
  });

  it("S29 an admin key revokes without re-authentication, audited as such", async () => {
    const id = app.activeCredential("alice", "token_1").id;
    unwrap(await revoke(id, { actor: adminKey() }));
    expect(app.store.credentials(TEST_TENANT).find((c) => c.id === id)?.status).toBe("revoked");
    expect(app.auditEvents().at(-1)?.data).toMatchObject({ authorizedBy: "admin" });
  });

  it("an unknown, another user's or another tenant's credential → credential_not_found; an already revoked one → factor_not_active", async () => {
    const id = app.activeCredential("alice", "token_1").id;
    expect(errorOf(await revoke("id-9999", { actor: adminKey() })).code).toBe("credential_not_found");
    expect(errorOf(await revoke(id, { actor: adminKey(), userId: "bob" })).code).toBe("credential_not_found");
    expect(errorOf(await revoke(id, { actor: adminKey("tenant-2") })).code).toBe("credential_not_found");
    unwrap(await revoke(id, { actor: adminKey() }));
    const audits = app.auditEvents().length;
    expect(errorOf(await revoke(id, { actor: adminKey() }))).toEqual({
      code: "factor_not_active",
      message: expect.stringMatching(/^factor ".+" is already revoked \(at \d{4}-/),
    });
    expect(app.auditEvents()).toHaveLength(audits);
  });
});
