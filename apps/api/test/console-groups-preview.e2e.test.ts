/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// The console's vault groups and its chain preview for one user, over HTTP on a real PostgreSQL (issue 15). Groups: an
// admin operator sets and removes a group's members (audited with the operator) and grants an entry to a group; a viewer
// lists the groups and is refused every change (403); bad input is a 400 problem that changes nothing; another tenant's
// groups are out of reach. Preview: drawn from the user's confirmed factors as starting an attempt draws them, with
// StartAttempt's refusal (factors to enroll, a lockout) as data; an unknown user is 404, a malformed id 400.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../src/boot/api-keys.js";
import { ApiClient, enrollAll, startTestApi, twoFactorPolicy, type TestApi, type TestTenant } from "./support/api.js";
import { signedInOperators, type ConsoleBrowser } from "./support/console.js";

const database = useTestDatabase("api_console_groups_preview");
let api: TestApi;
let tenantA: TestTenant;
let tenantB: TestTenant;
let scopedAdmin: ConsoleBrowser;
let scopedViewer: ConsoleBrowser;
let everyAdmin: ConsoleBrowser;

const isProblem = (res: { headers: Headers }) => expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
const groupsOf = async (client: ApiClient) => (await client.get("/v1/vault/groups")).body.groups;

/** A random-mode policy of three authenticator apps, two steps. */
const threeApps = {
  ...twoFactorPolicy("any-two", "random"),
  factors: [...twoFactorPolicy("any-two").factors, { id: "authy", label: "Authy", type: "totp" }],
};

beforeAll(async () => {
  api = await startTestApi(database.url);
  tenantA = await api.tenant("admin");
  tenantB = await api.tenant("admin");
  for (const t of [tenantA, tenantB]) expect((await t.client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  expect((await tenantA.client.post("/v1/policies", threeApps)).status).toBe(201);
  await enrollAll(tenantA.client, api.clock, { userId: "both", policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  await enrollAll(tenantA.client, api.clock, { userId: "one", policyId: "login", factorIds: ["ms_auth"] });
  await enrollAll(tenantB.client, api.clock, { userId: "only-in-b", policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  ({ scopedAdmin, scopedViewer, everyAdmin } = await signedInOperators(api, tenantA.tenantId));
});
afterAll(async () => {
  await api?.close();
});

describe("console vault groups", () => {
  it("an admin operator sets a group's members (audited with the operator), grants an entry to it, and removes it", async () => {
    const set = await scopedAdmin.send("PUT", "/v1/vault/groups/ops", undefined, { members: ["carol", "bob", "bob"] });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ id: "ops", members: ["bob", "carol"] });
    expect((await scopedAdmin.send("GET", "/v1/vault/groups")).body.groups).toEqual([{ id: "ops", members: ["bob", "carol"] }]);
    const audit = await tenantA.client.get("/v1/audit-events?type=vault.group_set");
    expect(audit.body.events.at(-1)).toMatchObject({ actor: { kind: "operator" }, data: { groupId: "ops", members: 2 } });

    const entry = await scopedAdmin.send("POST", "/v1/vault/entries", undefined, { name: "Shared", secret: "JBSWY3DPEHPK3PXP" });
    expect(entry.status).toBe(201);
    const granted = await scopedAdmin.send("POST", `/v1/vault/entries/${entry.body.id}/grants`, undefined, {
      principal: { kind: "group", id: "ops" },
      permission: "read_code",
    });
    expect(granted.status).toBe(200);
    expect(granted.body.grants).toEqual([{ principal: { kind: "group", id: "ops" }, permission: "read_code" }]);
    // A member reads the code through the group (a service key acting for the user).
    const service = new ApiClient(
      api.url,
      (await issueApiKey(api.server.database.db, tenantA.tenantId, "vault service", "service")).apiKey,
    );
    const asBob = await service.call("GET", `/v1/vault/entries/${entry.body.id}/code`, undefined, {
      headers: { "mfa-acting-user": "bob" },
    });
    expect(asBob.status).toBe(200);

    const removed = await scopedAdmin.send("PUT", "/v1/vault/groups/ops", undefined, { members: [] });
    expect(removed.body).toEqual({ id: "ops", members: [] });
    expect(await groupsOf(tenantA.client)).toEqual([]);
    const refused = await service.call("GET", `/v1/vault/entries/${entry.body.id}/code`, undefined, {
      headers: { "mfa-acting-user": "bob" },
    });
    expect(refused.status).toBe(403);
  });

  it("a viewer lists the groups and is refused every change (403), changing nothing", async () => {
    expect((await scopedAdmin.send("PUT", "/v1/vault/groups/auditors", undefined, { members: ["dana"] })).status).toBe(200);
    const listed = await scopedViewer.send("GET", "/v1/vault/groups");
    expect(listed.status).toBe(200);
    expect(listed.body.groups).toContainEqual({ id: "auditors", members: ["dana"] });
    for (const res of [
      await scopedViewer.send("PUT", "/v1/vault/groups/auditors", undefined, { members: [] }),
      await scopedViewer.send("PUT", "/v1/vault/groups/new-one", undefined, { members: ["erin"] }),
      await scopedViewer.send("GET", "/v1/vault/entries"),
    ]) {
      expect(res.status).toBe(403);
      isProblem(res);
    }
    expect(await groupsOf(tenantA.client)).toEqual([{ id: "auditors", members: ["dana"] }]);
  });

  it("bad input is a 400 problem naming the field, and changes nothing", async () => {
    const before = await groupsOf(tenantA.client);
    const cases: [string, unknown, string][] = [
      ["/v1/vault/groups/Bad%20Group", { members: [] }, "groupId"],
      ["/v1/vault/groups/ops", { members: ["ok", "not a user"] }, "members[1]"],
      ["/v1/vault/groups/ops", { members: "bob" }, "members"],
      ["/v1/vault/groups/ops", { members: ["bob"], extra: 1 }, "body"],
      ["/v1/vault/groups/ops", {}, "members"],
    ];
    for (const [path, body, field] of cases) {
      const res = await scopedAdmin.send("PUT", path, undefined, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      isProblem(res);
      expect(res.body.errors.map((e: any) => e.path)).toContain(field);
    }
    expect((await scopedAdmin.send("PUT", "/v1/vault/groups/ops?x=1", undefined, { members: [] })).status).toBe(400);
    expect(await groupsOf(tenantA.client)).toEqual(before);
  });

  it("another tenant's groups are out of reach", async () => {
    expect((await tenantB.client.put("/v1/vault/groups/b-team", { members: ["zoe"] })).status).toBe(200);
    expect((await scopedAdmin.send("GET", "/v1/vault/groups")).body.groups.map((g: any) => g.id)).not.toContain("b-team");
    expect((await scopedAdmin.send("GET", "/v1/vault/groups", tenantB.tenantId)).status).toBe(403);
    expect((await scopedViewer.send("PUT", "/v1/vault/groups/b-team", tenantB.tenantId, { members: [] })).status).toBe(403);
    expect((await everyAdmin.send("GET", "/v1/vault/groups", tenantB.tenantId)).body.groups).toEqual([{ id: "b-team", members: ["zoe"] }]);
    expect(await groupsOf(tenantB.client)).toEqual([{ id: "b-team", members: ["zoe"] }]);
  });
});

describe("console chain preview for one user", () => {
  it("draws from the user's confirmed factors, for admins and viewers; nothing is stored or audited", async () => {
    const audit = async () => (await tenantA.client.get("/v1/audit-events")).body.events.length;
    const before = await audit();
    for (const operator of [scopedAdmin, scopedViewer]) {
      const res = await operator.send("GET", "/v1/policies/login/chain-preview?samples=3&userId=both");
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ mode: "fixed", possibleChains: 1, samples: Array(3).fill(["google_auth", "ms_auth"]) });
      expect(res.body.user).toEqual({
        userId: "both",
        enrolled: [
          { id: "google_auth", label: "Google Authenticator", type: "totp" },
          { id: "ms_auth", label: "Microsoft Authenticator", type: "totp" },
        ],
        notEnrolled: null,
        lockedUntil: null,
      });
    }
    // Random mode, two of three, the user has two: only those two, in either order.
    const random = await scopedAdmin.send("GET", "/v1/policies/any-two/chain-preview?samples=20&userId=both");
    expect(random.body).toMatchObject({ mode: "random", factorCount: 3, possibleChains: 2, user: { notEnrolled: null } });
    for (const chain of random.body.samples) expect([...chain].sort()).toEqual(["google_auth", "ms_auth"]);
    expect(await audit()).toBe(before);
  });

  it("says, as data, what starting an attempt would refuse: the same factors_not_enrolled answer", async () => {
    const preview = await scopedAdmin.send("GET", "/v1/policies/login/chain-preview?userId=one");
    const started = await tenantA.client.post("/v1/attempts", { userId: "one", policyId: "login" });
    expect(started.status).toBe(409);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ possibleChains: 0, samples: [] });
    expect(preview.body.user).toEqual({
      userId: "one",
      enrolled: [{ id: "ms_auth", label: "Microsoft Authenticator", type: "totp" }],
      notEnrolled: { message: started.body.detail, missing: started.body.missing, needed: started.body.needed },
      lockedUntil: null,
    });
    expect(started.body.missing).toEqual([{ id: "google_auth", label: "Google Authenticator", type: "totp" }]);
  });

  it("shows a locked user's lock", async () => {
    const devices = await enrollAll(tenantA.client, api.clock, { userId: "locked", policyId: "login", factorIds: ["google_auth"] });
    const single = { ...twoFactorPolicy("single"), requiredSteps: 1 };
    expect((await tenantA.client.post("/v1/policies", single)).status).toBe(201);
    const started = await tenantA.client.post("/v1/attempts", { userId: "locked", policyId: "single" });
    for (let i = 0; i < 5; i++) {
      await tenantA.client.post(`/v1/attempts/${started.body.attemptId}/verify`, {
        factorId: "google_auth",
        code: devices.google_auth!.wrong(),
      });
    }
    const preview = await scopedViewer.send("GET", "/v1/policies/single/chain-preview?userId=locked");
    expect(preview.status).toBe(200);
    expect(Date.parse(preview.body.user.lockedUntil)).toBeGreaterThan(api.clock.now());
    expect(preview.body.user.notEnrolled).toBeNull();
    // Starting an attempt refuses the lock first: no chain to show.
    expect((await tenantA.client.post("/v1/attempts", { userId: "locked", policyId: "single" })).body.code).toBe("user_locked");
    expect(preview.body).toMatchObject({ samples: [], possibleChains: 0 });
    expect(preview.body.user.enrolled.map((f: any) => f.id)).toEqual(["google_auth"]);
  });

  it("a user the tenant does not know (or another tenant's) is answered as starting an attempt answers them: no factors", async () => {
    for (const userId of ["nobody", "bot" /* a prefix of "both" is not "both" */, "only-in-b"]) {
      const res = await scopedAdmin.send("GET", `/v1/policies/login/chain-preview?samples=3&userId=${userId}`);
      expect(res.status, userId).toBe(200);
      const started = await tenantA.client.post("/v1/attempts", { userId, policyId: "login" });
      expect(started.body.code).toBe("factors_not_enrolled");
      expect(res.body).toMatchObject({ samples: [], possibleChains: 0 });
      expect(res.body.user).toEqual({
        userId,
        enrolled: [],
        notEnrolled: { message: started.body.detail, missing: started.body.missing, needed: started.body.needed },
        lockedUntil: null,
      });
    }
  });

  it("a preview for one user is of the latest version: with version it is a 400 problem, changing nothing", async () => {
    const res = await scopedAdmin.send("GET", "/v1/policies/login/chain-preview?version=1&userId=both");
    expect(res.status).toBe(400);
    isProblem(res);
    expect(res.body).toMatchObject({ code: "invalid_input", detail: expect.stringMatching(/^version: .*latest/) });
    expect((await scopedAdmin.send("GET", "/v1/policies/login/chain-preview?version=1")).status).toBe(200);
  });

  it("a malformed user id is a 400 problem", async () => {
    // The every-tenant admin sees B's user on B.
    const onB = await everyAdmin.send("GET", "/v1/policies/login/chain-preview?userId=only-in-b", tenantB.tenantId);
    expect(onB.body.user.enrolled).toHaveLength(2);
    for (const query of ["userId=", "userId=a%20b", "userId=..", `userId=${"x".repeat(129)}`, "userId=a&userId=b"]) {
      const res = await scopedAdmin.send("GET", `/v1/policies/login/chain-preview?${query}`);
      expect(res.status, query).toBe(400);
      isProblem(res);
      expect(res.body.errors.map((e: any) => e.path)).toContain("userId");
    }
    const noPolicy = await scopedAdmin.send("GET", "/v1/policies/nope/chain-preview?userId=both");
    expect(noPolicy.body.code).toBe("policy_not_found");
  });
});
