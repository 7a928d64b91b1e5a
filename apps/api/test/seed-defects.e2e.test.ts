// SPEC §5: each defect found in the seeds' own code, shown absent over HTTP on a real PostgreSQL.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  Authenticator,
  enrollAll,
  startTestApi,
  twoFactorPolicy,
  uniqueId,
  type ApiClient,
  type Enrollment,
  type TestApi,
} from "./support/api.js";

const database = useTestDatabase("api_seed_defects");
let api: TestApi;
let client: ApiClient;

const threeRandom = {
  id: "three",
  name: "Any order of three",
  mode: "random",
  requiredSteps: 3,
  factors: [
    { id: "a", label: "App A", type: "totp" },
    { id: "b", label: "App B", type: "totp" },
    { id: "c", label: "App C", type: "totp" },
  ],
};
const hotp = { id: "hotp", name: "Token", mode: "fixed", requiredSteps: 1, factors: [{ id: "token", label: "Token", type: "hotp" }] };

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client } = await api.tenant());
  for (const p of [twoFactorPolicy("login"), threeRandom, hotp]) expect((await client.post("/v1/policies", p)).status).toBe(201);
});
afterAll(async () => api?.close());

async function user() {
  const userId = uniqueId("u");
  const d = await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  const attemptId = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId as string;
  return { userId, attemptId, g: d.google_auth as Authenticator, m: d.ms_auth as Authenticator };
}
const verify = (attemptId: string, factorId: string, code: string) => client.post(`/v1/attempts/${attemptId}/verify`, { factorId, code });

describe("SPEC §5: the seeds' defects are absent", () => {
  it("a client-chosen window (window=100000 with 000000) is refused as an unknown field and changes nothing", async () => {
    const { userId, attemptId } = await user();
    const res = await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: "000000", window: 100000 });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('unknown field "window"');
    expect((await client.get(`/v1/attempts/${attemptId}`)).body.stepsPassed).toBe(0);
    expect((await client.get(`/v1/users/${userId}/lockout`)).body.consecutiveFailures).toBe(0);
  });

  it("replay protection: a code accepted before a reset is refused after it", async () => {
    const { attemptId, g, m } = await user();
    const first = g.next();
    expect((await verify(attemptId, "google_auth", first)).body.success).toBe(true);
    expect((await verify(attemptId, "ms_auth", m.wrong())).body.reset).toBe(true);
    expect((await verify(attemptId, "google_auth", first)).body).toMatchObject({ success: false, reset: true });
  });

  it("a failure limit: the fifth failure locks the user", async () => {
    const { attemptId, g } = await user();
    for (let i = 0; i < 5; i++) expect((await verify(attemptId, "google_auth", g.wrong())).status).toBe(200);
    expect((await verify(attemptId, "google_auth", g.next())).status).toBe(423);
  });

  it("no check-then-act race on the cursor: parallel right answers to step 1 advance it once", async () => {
    // One code sent 20 times at once.
    const { userId, attemptId, g } = await user();
    const code = g.next();
    const results = await Promise.all(Array.from({ length: 20 }, () => verify(attemptId, "google_auth", code)));
    expect(results.filter((r) => r.body.success === true)).toHaveLength(1);
    await client.post(`/v1/users/${userId}/unlock`);
    // Two different right codes at once (steps now and now+1), on 8 attempts. When step now is checked first, the
    // replay guard lets step now+1 through as well: only the attempt's own concurrency control keeps it to one advance.
    for (let trial = 0; trial < 8; trial++) {
      const t = await user();
      const both = await Promise.all([t.g.at(0), t.g.at(1)].map((c) => verify(t.attemptId, "google_auth", c)));
      expect(
        both.filter((r) => r.body.success === true),
        JSON.stringify(both.map((r) => r.body)),
      ).toHaveLength(1);
      expect((await client.get(`/v1/attempts/${t.attemptId}`)).body.stepsPassed).toBeLessThanOrEqual(1);
      const passed = (await client.get(`/v1/audit-events?userId=${t.userId}&type=attempt.step_succeeded`)).body.events as unknown[];
      expect(passed).toHaveLength(1);
    }
  });

  it("a cryptographic shuffle: random mode's first factor is spread over every factor, and Math.random is never used", async () => {
    const userId = uniqueId("u");
    await enrollAll(client, api.clock, { userId, policyId: "three", factorIds: ["a", "b", "c"] });
    const firsts: Record<string, number> = { a: 0, b: 0, c: 0 };
    // The app runs in this process: a shuffle by Math.random (the seed's) would show here.
    const mathRandom = vi.spyOn(Math, "random");
    try {
      for (let i = 0; i < 90; i++) {
        const started = await client.post("/v1/attempts", { userId, policyId: "three" });
        firsts[started.body.currentFactor.id as string]! += 1;
      }
      expect(mathRandom).not.toHaveBeenCalled();
    } finally {
      mathRandom.mockRestore();
    }
    // Expected 30 each; 12…50 is more than four standard deviations either way.
    for (const count of Object.values(firsts)) {
      expect(count).toBeGreaterThanOrEqual(12);
      expect(count).toBeLessThanOrEqual(50);
    }
  });

  it("Unicode digits do not pass the shape check, even spelling the right code", async () => {
    const { attemptId, g } = await user();
    const fullWidth = [...g.current()].map((d) => String.fromCharCode(0xff10 + Number(d))).join("");
    expect((await verify(attemptId, "google_auth", fullWidth)).body).toMatchObject({ success: false, reset: true, failuresRemaining: 4 });
  });

  it("the secret is bound to the factor: a caller-supplied secret is refused at enrollment and at verify", async () => {
    const { userId, attemptId } = await user();
    const enroll = await client.post(`/v1/users/${userId}x/factors`, {
      policyId: "login",
      factorId: "google_auth",
      secret: "JBSWY3DPEHPK3PXP",
    });
    expect(enroll.status).toBe(400);
    expect(enroll.body.detail).toContain('unknown field "secret"');
    const v = await client.post(`/v1/attempts/${attemptId}/verify`, {
      factorId: "google_auth",
      code: "123456",
      secret: "JBSWY3DPEHPK3PXP",
    });
    expect(v.status).toBe(400);
  });

  it("attempts expire (600 s by default) and then accept nothing", async () => {
    const { attemptId, g } = await user();
    const read = (await client.get(`/v1/attempts/${attemptId}`)).body;
    expect(Date.parse(read.expiresAt) - Date.parse(read.createdAt)).toBe(600_000);
    api.clock.advance(600_001);
    try {
      expect((await verify(attemptId, "google_auth", g.next())).status).toBe(410);
      expect((await client.get(`/v1/attempts/${attemptId}`)).status).toBe(410);
    } finally {
      api.clock.advance(-600_001);
    }
  });

  it("no debug endpoint returns live codes unless explicitly enabled", async () => {
    const { attemptId } = await user();
    for (const path of [`/v1/dev/attempts/${attemptId}/current-code`, `/v1/attempts/${attemptId}/code`, "/debug", "/v1/debug"]) {
      expect((await client.get(path)).status).toBe(404);
    }
  });

  it("enrollment without confirmation does not overwrite a live factor", async () => {
    const { userId, attemptId, g } = await user();
    const again = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "google_auth" });
    expect(again.status).toBe(201);
    const factors = (await client.get(`/v1/users/${userId}/factors`)).body.factors as Array<{ factorId: string; status: string }>;
    expect(
      factors
        .filter((f) => f.factorId === "google_auth")
        .map((f) => f.status)
        .sort(),
    ).toEqual(["active", "pending"]);
    expect((await verify(attemptId, "google_auth", g.next())).body.success).toBe(true);
  });

  it("different factors get different authenticator labels", async () => {
    const userId = uniqueId("u");
    const uris: string[] = [];
    for (const factorId of ["google_auth", "ms_auth"]) {
      uris.push((await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId })).body.otpauthUri);
    }
    const labels = uris.map((u) => decodeURIComponent(new URL(u).pathname.slice(1)));
    expect(new Set(labels).size).toBe(2);
    for (const u of uris) expect(new URL(u).searchParams.get("issuer")).toBe("mfa-chain");
    expect(labels.join(" ")).toContain("Google Authenticator");
    expect(labels.join(" ")).toContain("Microsoft Authenticator");
  });

  it("responses name the next factor by id and label", async () => {
    const { attemptId, g } = await user();
    expect((await verify(attemptId, "google_auth", g.next())).body.nextFactor).toEqual({
      id: "ms_auth",
      label: "Microsoft Authenticator",
      type: "totp",
    });
  });

  it("a failed code is answered alike everywhere: 200 with the outcome, never 401", async () => {
    const { userId, attemptId, g } = await user();
    const atVerify = await verify(attemptId, "google_auth", g.wrong());
    const pending = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "ms_auth" });
    const atConfirm = await client.post(`/v1/users/${userId}/factors/${pending.body.factor.id}/confirm`, {
      code: new Authenticator(pending.body, api.clock).wrong(),
    });
    expect([atVerify.status, atConfirm.status]).toEqual([200, 200]);
    expect(atVerify.body).toMatchObject({ success: false, failuresRemaining: 4 });
    expect(atConfirm.body).toMatchObject({ confirmed: false, failuresRemaining: 3 });
  });

  it("a HOTP code accepted through look-ahead cannot be replayed", async () => {
    const userId = uniqueId("u");
    const { token } = await enrollAll(client, api.clock, { userId, policyId: "hotp", factorIds: ["token"] });
    const start = async () => (await client.post("/v1/attempts", { userId, policyId: "hotp" })).body.attemptId as string;
    const ahead = token!.counterCode(9);
    expect((await verify(await start(), "token", ahead)).body.success).toBe(true);
    expect((await verify(await start(), "token", ahead)).body.success).toBe(false);
    expect((await verify(await start(), "token", token!.counterCode(10))).body.success).toBe(true);
  });

  it("a HOTP resync's accepted codes cannot be replayed, through resync or verify", async () => {
    const userId = uniqueId("u");
    const { token } = await enrollAll(client, api.clock, { userId, policyId: "hotp", factorIds: ["token"] });
    const resync = (codes: [string, string]) => client.post(`/v1/users/${userId}/factors/${token!.credentialId}/resync`, { codes });
    expect((await resync([token!.counterCode(100), token!.counterCode(101)])).body.resynced).toBe(true);
    expect((await resync([token!.counterCode(100), token!.counterCode(101)])).body.resynced).toBe(false);
    const start = async () => (await client.post("/v1/attempts", { userId, policyId: "hotp" })).body.attemptId as string;
    expect((await verify(await start(), "token", token!.counterCode(101))).body.success).toBe(false);
    expect((await verify(await start(), "token", token!.counterCode(102))).body.success).toBe(true);
  });

  it("20 parallel resyncs with the same two codes: exactly one succeeds; a TOTP factor cannot be resynced", async () => {
    const userId = uniqueId("u");
    const { token } = await enrollAll(client, api.clock, { userId, policyId: "hotp", factorIds: ["token"] });
    const codes = [token!.counterCode(200), token!.counterCode(201)];
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.post(`/v1/users/${userId}/factors/${token!.credentialId}/resync`, { codes })),
    );
    // One wins; the others are failures that count (under the tenant's strictest lockout, 5) until the user is locked.
    expect(results.filter((r) => r.body.resynced === true)).toHaveLength(1);
    const failed = results.filter((r) => r.status === 200 && r.body.resynced === false).length;
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 423)).toBe(true);
    expect(failed).toBeGreaterThan(0);
    expect((await client.get(`/v1/users/${userId}/lockout`)).body.consecutiveFailures).toBe(failed);
    const totpUser = await user();
    const notHotp = await client.post(`/v1/users/${totpUser.userId}/factors/${totpUser.g.credentialId}/resync`, {
      codes: ["123456", "123457"],
    });
    expect(notHotp.status).toBe(400);
    expect(notHotp.body.detail).toContain("is a totp factor, which cannot be resynchronised (HOTP factors can)");
  });

  it("replay memory is not only the last code string: an older accepted code stays refused", async () => {
    const { userId, attemptId, g } = await user();
    const a = g.next();
    const b = g.next();
    expect((await verify(attemptId, "google_auth", a)).body.success).toBe(true);
    const second = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    expect((await verify(second, "google_auth", b)).body.success).toBe(true);
    const third = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    expect((await verify(third, "google_auth", a)).body.success).toBe(false);
  });
});
