// The API answers what /openapi.json says it answers: every response of a session that calls every documented route
// (successes and the documented failures) has a status the route documents, the documented media type, and a body
// that validates against the documented schema (JSON Schema 2020-12, checked by ajv, with no undocumented fields).
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { canonicalPushMessage, type PushMessage } from "@mfa-chain/domain";
import { DeviceKey } from "@mfa-chain/push-device";
import { SoftwareAuthenticator } from "@mfa-chain/webauthn/testing";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../src/boot/api-keys.js";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import {
  ApiClient,
  Authenticator,
  enrollAll,
  startTestApi,
  twoFactorPolicy,
  uniqueId,
  type Enrollment,
  type Reply,
  type TestApi,
} from "./support/api.js";

const database = useTestDatabase("api_openapi_conformance");
let api: TestApi;
let admin: ApiClient;
let service: ApiClient;

interface Operation {
  readonly responses: Record<string, { content?: Record<string, unknown> }>;
}
let doc: { paths: Record<string, Record<string, Operation>> };
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ValidateFunction>();
/** Every status each documented operation answered in this session, to show that the session covered them. */
const seen = new Map<string, Set<number>>();

/** Object schemas that do not say otherwise get no undocumented fields: a field the document lacks fails the check. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeObjects);
  if (typeof node !== "object" || node === null) return;
  const schema = node as Record<string, unknown>;
  if (schema.type === "object" && schema.properties !== undefined && !("additionalProperties" in schema))
    schema.additionalProperties = false;
  Object.values(schema).forEach(closeObjects);
}

const pointer = (...segments: string[]) => segments.map((s) => encodeURIComponent(s.replaceAll("~", "~0").replaceAll("/", "~1"))).join("/");

function conforms(method: string, template: string, res: Reply): void {
  const where = `${method.toUpperCase()} ${template} → ${res.status}`;
  const operation = doc.paths[template]?.[method];
  expect(operation, `${where}: the route is documented`).toBeDefined();
  const documented = operation!.responses[String(res.status)];
  expect(documented, `${where}: the status is documented (${JSON.stringify(res.body).slice(0, 200)})`).toBeDefined();
  seen.set(`${method} ${template}`, (seen.get(`${method} ${template}`) ?? new Set()).add(res.status));
  if (documented!.content === undefined) {
    expect(res.body, `${where}: no body`).toBe("");
    return;
  }
  const [mediaType] = Object.keys(documented!.content);
  expect(res.contentType, `${where}: media type`).toContain(mediaType);
  const ref = `openapi#/${pointer("paths", template, method, "responses", String(res.status), "content", mediaType!, "schema")}`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`${where}: no schema at ${ref}`);
    validators.set(ref, validate);
  }
  expect(validate(res.body), `${where}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(res.body)}`).toBe(true);
}

beforeAll(async () => {
  api = await startTestApi(database.url);
  const tenant = await api.tenant("admin");
  admin = tenant.client;
  service = new ApiClient(api.url, (await issueApiKey(api.server.database.db, tenant.tenantId, "service", "service", Date.now())).apiKey);
  doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as typeof doc;
  closeObjects(doc);
  ajv.addSchema(doc as object, "openapi");
});
afterAll(async () => api?.close());

describe("OpenAPI conformance", () => {
  it("every response of a session over every route matches the document: status, media type, body", async () => {
    const call = async (client: ApiClient, method: string, template: string, path: string, body?: unknown) => {
      const res = await client.call(method.toUpperCase(), path, body);
      conforms(method, template, res);
      return res;
    };
    const hotp = { id: "hotp", name: "Token", mode: "fixed", requiredSteps: 1, factors: [{ id: "token", label: "Token", type: "hotp" }] };

    // Policies.
    await call(admin, "post", "/v1/policies", "/v1/policies", twoFactorPolicy("login"));
    await call(admin, "post", "/v1/policies", "/v1/policies", hotp);
    await call(admin, "post", "/v1/policies", "/v1/policies", twoFactorPolicy("login"));
    await call(admin, "post", "/v1/policies", "/v1/policies", { ...twoFactorPolicy("bad"), requiredSteps: 9 });
    await call(new ApiClient(api.url, null), "post", "/v1/policies", "/v1/policies", twoFactorPolicy("nokey"));
    await call(admin, "get", "/v1/policies", "/v1/policies");
    await call(admin, "get", "/v1/policies/{policyId}", "/v1/policies/login");
    await call(admin, "get", "/v1/policies/{policyId}", "/v1/policies/login?version=7");
    await call(admin, "get", "/v1/policies/{policyId}/versions", "/v1/policies/login/versions");
    await call(admin, "get", "/v1/policies/{policyId}/versions", "/v1/policies/nope/versions");
    await call(admin, "get", "/v1/policies/{policyId}/chain-preview", "/v1/policies/login/chain-preview?samples=3");
    await call(admin, "get", "/v1/policies/{policyId}/chain-preview", "/v1/policies/login/chain-preview?version=7");
    await call(admin, "get", "/v1/policies/{policyId}/chain-preview", "/v1/policies/login/chain-preview?samples=0");
    const { id: _id, ...definition } = twoFactorPolicy("scratch");
    await call(admin, "post", "/v1/policies", "/v1/policies", twoFactorPolicy("scratch"));
    await call(admin, "put", "/v1/policies/{policyId}", "/v1/policies/scratch", definition);
    await call(admin, "put", "/v1/policies/{policyId}", "/v1/policies/nope", definition);
    await call(admin, "delete", "/v1/policies/{policyId}", "/v1/policies/scratch");
    await call(admin, "delete", "/v1/policies/{policyId}", "/v1/policies/scratch");

    // Factors: enroll, confirm (wrong, right, again), list, revoke (twice), and the refusals.
    const userId = uniqueId("u");
    const enrolled = await call(admin, "post", "/v1/users/{userId}/factors", `/v1/users/${userId}/factors`, {
      policyId: "login",
      factorId: "google_auth",
    });
    const device = new Authenticator(enrolled.body as Enrollment, api.clock);
    const confirmPath = `/v1/users/${userId}/factors/${device.credentialId}/confirm`;
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/confirm", confirmPath, { code: device.wrong() });
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/confirm", confirmPath, { code: device.next() });
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/confirm", confirmPath, { code: device.current() });
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/confirm", `/v1/users/${userId}/factors/nope/confirm`, {
      code: "123456",
    });
    await call(admin, "post", "/v1/users/{userId}/factors", `/v1/users/${userId}/factors`, { policyId: "nope", factorId: "google_auth" });
    await call(admin, "post", "/v1/users/{userId}/factors", `/v1/users/${userId}/factors`, { policyId: "login", factorId: "nope" });
    await call(service, "post", "/v1/users/{userId}/factors", `/v1/users/${userId}/factors`, { policyId: "login", factorId: "ms_auth" });
    // Starting before the second factor is enrolled names what is missing.
    await call(service, "post", "/v1/attempts", "/v1/attempts", { userId, policyId: "login" });
    // The chain preview for that user says the same as data; an unknown user is 404, a malformed id 400.
    const preview = "/v1/policies/{policyId}/chain-preview";
    await call(admin, "get", preview, `/v1/policies/login/chain-preview?userId=${userId}`);
    await call(admin, "get", preview, "/v1/policies/login/chain-preview?userId=nobody-here");
    await call(admin, "get", preview, "/v1/policies/login/chain-preview?userId=a%20b");
    const ms = (await enrollAll(admin, api.clock, { userId, policyId: "login", factorIds: ["ms_auth"] })).ms_auth!;
    await call(admin, "get", preview, `/v1/policies/login/chain-preview?userId=${userId}`);
    await call(admin, "get", "/v1/users/{userId}/factors", `/v1/users/${userId}/factors`);

    // HOTP resync: wrong codes (an outcome), a TOTP factor, a pending one.
    const token = (await enrollAll(admin, api.clock, { userId, policyId: "hotp", factorIds: ["token"] })).token!;
    const resync = (credentialId: string) => `/v1/users/${userId}/factors/${credentialId}/resync`;
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/resync", resync(token.credentialId), {
      codes: ["000000", "000001"],
    });
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/resync", resync(device.credentialId), {
      codes: ["000000", "000001"],
    });
    const pendingToken = await call(admin, "post", "/v1/users/{userId}/factors", `/v1/users/${userId}/factors`, {
      policyId: "hotp",
      factorId: "token",
    });
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/resync", resync((pendingToken.body as Enrollment).factor.id), {
      codes: ["000000", "000001"],
    });
    await call(admin, "post", "/v1/users/{userId}/factors/{credentialId}/resync", resync("nope"), { codes: ["000000", "000001"] });

    // Attempts: start, read, verify (success, failure, out of order, complete, completed, unknown).
    const started = await call(service, "post", "/v1/attempts", "/v1/attempts", { userId, policyId: "login" });
    const attemptId = (started.body as { attemptId: string }).attemptId;
    const verify = (id: string, factorId: string, code: string) =>
      call(service, "post", "/v1/attempts/{attemptId}/verify", `/v1/attempts/${id}/verify`, { factorId, code });
    await call(service, "get", "/v1/attempts/{attemptId}", `/v1/attempts/${attemptId}`);
    // The challenge phase: a TOTP step takes none (409), an unknown attempt (404).
    await call(service, "post", "/v1/attempts/{attemptId}/challenge", `/v1/attempts/${attemptId}/challenge`);
    await call(service, "post", "/v1/attempts/{attemptId}/challenge", `/v1/attempts/${"Z".repeat(30)}/challenge`);
    await verify(attemptId, "ms_auth", ms.current());
    await verify(attemptId, "google_auth", device.wrong());
    await verify(attemptId, "google_auth", device.next());
    await verify(attemptId, "ms_auth", ms.next());
    await verify(attemptId, "ms_auth", ms.current());
    await verify("Z".repeat(30), "google_auth", "123456");
    await call(service, "get", "/v1/attempts/{attemptId}", `/v1/attempts/${"Z".repeat(30)}`);
    await call(service, "post", "/v1/attempts", "/v1/attempts", { userId, policyId: "nope" });
    // Expired.
    const late = (await service.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId as string;
    api.clock.advance(11 * 60_000);
    try {
      await call(service, "get", "/v1/attempts/{attemptId}", `/v1/attempts/${late}`);
      await verify(late, "google_auth", "123456");
    } finally {
      api.clock.advance(-11 * 60_000);
    }

    // Lockout: lock the user, read it, refuse start and verify while locked, unlock (service key: 403; admin: 200).
    const locking = (await service.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId as string;
    for (let i = 0; i < 5; i++) await verify(locking, "google_auth", device.wrong());
    await verify(locking, "google_auth", device.wrong());
    await call(service, "post", "/v1/attempts", "/v1/attempts", { userId, policyId: "login" });
    await call(service, "get", "/v1/users/{userId}/lockout", `/v1/users/${userId}/lockout`);
    await call(service, "post", "/v1/users/{userId}/unlock", `/v1/users/${userId}/unlock`);
    await call(admin, "post", "/v1/users/{userId}/unlock", `/v1/users/${userId}/unlock`);

    // Revoke: a service key without re-authentication, an admin key, again, an unknown id.
    const revoke = (client: ApiClient, credentialId: string) =>
      call(client, "post", "/v1/users/{userId}/factors/{credentialId}/revoke", `/v1/users/${userId}/factors/${credentialId}/revoke`, {});
    await revoke(service, token.credentialId);
    await revoke(admin, token.credentialId);
    await revoke(admin, token.credentialId);
    await revoke(admin, "nope");

    // Audit.
    await call(admin, "get", "/v1/audit-events", `/v1/audit-events?userId=${userId}&limit=50`);
    await call(admin, "get", "/v1/audit-events", "/v1/audit-events?limit=0");

    // The shared vault: add (201, bad seed, name taken, a service key naming no user), list, read, code, grants, groups.
    const callAs = async (userId: string, method: string, template: string, path: string, body?: unknown) => {
      const res = await service.call(method.toUpperCase(), path, body, { headers: { "Mfa-Acting-User": userId } });
      conforms(method, template, res);
      return res;
    };
    const seedUri = "otpauth://hotp/Acme:ops?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&counter=2";
    const entry = (await call(admin, "post", "/v1/vault/entries", "/v1/vault/entries", { name: "Shared", uri: seedUri, tags: ["ops"] }))
      .body as { id: string };
    await call(admin, "post", "/v1/vault/entries", "/v1/vault/entries", { name: "Shared", uri: seedUri });
    await call(admin, "post", "/v1/vault/entries", "/v1/vault/entries", { name: "Bad", uri: "otpauth://totp/a?secret=JBSW&digits=7" });
    await call(service, "post", "/v1/vault/entries", "/v1/vault/entries", { name: "Nobody", uri: seedUri });
    await call(service, "get", "/v1/vault/entries", "/v1/vault/entries");
    const totpEntry = (
      await callAs("alice", "post", "/v1/vault/entries", "/v1/vault/entries", {
        name: "Alice's",
        secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        period: 60,
      })
    ).body as { id: string };
    await call(admin, "get", "/v1/vault/entries", "/v1/vault/entries");
    const entryPath = `/v1/vault/entries/${entry.id}`;
    await call(admin, "get", "/v1/vault/entries/{entryId}", entryPath);
    await callAs("bob", "get", "/v1/vault/entries/{entryId}", entryPath);
    await call(admin, "get", "/v1/vault/entries/{entryId}", "/v1/vault/entries/nope");
    await call(admin, "get", "/v1/vault/entries/{entryId}/code", `${entryPath}/code`);
    await callAs("alice", "get", "/v1/vault/entries/{entryId}/code", `/v1/vault/entries/${totpEntry.id}/code`);
    await callAs("bob", "get", "/v1/vault/entries/{entryId}/code", `${entryPath}/code`);
    await call(admin, "get", "/v1/vault/entries/{entryId}/code", "/v1/vault/entries/nope/code");
    const grant = { principal: { kind: "group", id: "ops" }, permission: "read_code" };
    await call(admin, "put", "/v1/vault/groups/{groupId}", "/v1/vault/groups/ops", { members: ["bob"] });
    await call(service, "put", "/v1/vault/groups/{groupId}", "/v1/vault/groups/ops", { members: [] });
    await call(admin, "get", "/v1/vault/groups", "/v1/vault/groups");
    await call(service, "get", "/v1/vault/groups", "/v1/vault/groups");
    await call(admin, "post", "/v1/vault/entries/{entryId}/grants", `${entryPath}/grants`, grant);
    await callAs("bob", "post", "/v1/vault/entries/{entryId}/grants", `${entryPath}/grants`, grant);
    await call(admin, "post", "/v1/vault/entries/{entryId}/grants", "/v1/vault/entries/nope/grants", grant);
    await call(admin, "post", "/v1/vault/entries/{entryId}/grants/revoke", `${entryPath}/grants/revoke`, grant);
    await call(admin, "post", "/v1/vault/entries/{entryId}/grants/revoke", `${entryPath}/grants/revoke`, grant);
    await callAs("bob", "post", "/v1/vault/entries/{entryId}/grants/revoke", `${entryPath}/grants/revoke`, grant);
    await callAs("bob", "delete", "/v1/vault/entries/{entryId}", entryPath);
    await call(admin, "delete", "/v1/vault/entries/{entryId}", entryPath);
    await call(admin, "delete", "/v1/vault/entries/{entryId}", entryPath);

    // Enforcement, decisions and remembered devices (issue 14).
    await call(admin, "get", "/v1/enforcement", "/v1/enforcement");
    await call(service, "put", "/v1/enforcement", "/v1/enforcement", { requirements: [] });
    await call(admin, "put", "/v1/enforcement", "/v1/enforcement", { requirements: [{ appliesTo: { kind: "all" }, policyId: "nope" }] });
    await call(admin, "put", "/v1/enforcement", "/v1/enforcement", {
      requirements: [{ appliesTo: { kind: "all" }, policyId: "login" }],
      stepUp: { policyId: "login", actions: ["pay"] },
    });
    await call(admin, "get", "/v1/enforcement", "/v1/enforcement");
    await call(admin, "put", "/v1/users/{userId}/enforcement", `/v1/users/${userId}/enforcement`, { groups: ["staff"] });
    await call(service, "put", "/v1/users/{userId}/enforcement", `/v1/users/${userId}/enforcement`, { serviceAccount: true });
    await call(admin, "get", "/v1/users/{userId}/enforcement", `/v1/users/${userId}/enforcement`);
    const context = { ip: "192.0.2.1", userAgent: "conformance", action: "pay", deviceToken: "mfad_unknown" };
    await call(service, "post", "/v1/decisions", "/v1/decisions", { userId, context });
    await call(service, "post", "/v1/decisions", "/v1/decisions", { userId: uniqueId("new"), context: { ip: "10.0.0.1", userAgent: "x" } });
    await call(service, "post", "/v1/devices", "/v1/devices", { attemptId: "nope" });
    await call(service, "get", "/v1/users/{userId}/devices", `/v1/users/${userId}/devices`);
    await call(service, "delete", "/v1/users/{userId}/devices/{deviceId}", `/v1/users/${userId}/devices/nope`);
    await call(admin, "delete", "/v1/users/{userId}/devices", `/v1/users/${userId}/devices`);

    // Tenant settings and recovery (issues 11 and 14).
    await call(service, "get", "/v1/settings", "/v1/settings");
    await call(service, "put", "/v1/settings", "/v1/settings", { recoveryDelaySeconds: 0 });
    await call(admin, "put", "/v1/settings", "/v1/settings", { recoveryDelaySeconds: -1 });
    const asked = { verification: "video_call", reference: "T-1" };
    const recoveries = `/v1/users/${userId}/recoveries`;
    const recovery = (await call(admin, "post", "/v1/users/{userId}/recoveries", recoveries, asked)).body as { id: string };
    await call(admin, "post", "/v1/users/{userId}/recoveries", recoveries, asked);
    await call(service, "post", "/v1/users/{userId}/recoveries", recoveries, asked);
    await call(admin, "get", "/v1/users/{userId}/recoveries", recoveries);
    await call(admin, "get", "/v1/recoveries/{recoveryId}", `/v1/recoveries/${recovery.id}`);
    await call(admin, "get", "/v1/recoveries/{recoveryId}", "/v1/recoveries/rec_nope");
    await call(admin, "post", "/v1/recoveries/{recoveryId}/execute", `/v1/recoveries/${recovery.id}/execute`, {});
    await call(service, "post", "/v1/recoveries/cancel", "/v1/recoveries/cancel", { cancelToken: `mfarc_${"A".repeat(32)}` });
    const reset = `/v1/users/${userId}/reset-factors`;
    await call(admin, "post", "/v1/users/{userId}/reset-factors", reset, asked);
    await call(admin, "put", "/v1/settings", "/v1/settings", { recoveryDelaySeconds: 0 });
    await call(admin, "post", "/v1/users/{userId}/reset-factors", reset, asked);

    // Push approval (issue 13): a device's signed proof, polls and answers on its own routes (no API key); the
    // relying party's challenge and verify; an administrator's clear of denies.
    await call(admin, "post", "/v1/policies", "/v1/policies", {
      id: "push",
      name: "Push",
      mode: "fixed",
      requiredSteps: 1,
      factors: [{ id: "phone", label: "Phone", type: "push" }],
    });
    const pushUser = uniqueId("u");
    const pushEnrolled = await call(admin, "post", "/v1/users/{userId}/factors", `/v1/users/${pushUser}/factors`, {
      policyId: "push",
      factorId: "phone",
    });
    const link = new URL(String(pushEnrolled.body.enrollmentLink).replace("mfachain-push://", "https://x/")).searchParams;
    const [pushTenant, deviceId] = [link.get("tenant") as string, link.get("credential") as string];
    const deviceKey = DeviceKey.generate("ES256");
    const sign = (m: PushMessage) => {
      const c = canonicalPushMessage(m);
      if (!c.ok) throw new Error(c.error.message);
      return deviceKey.sign(c.value);
    };
    const nobody = new ApiClient(api.url, null);
    const T = "/v1/push/tenants/{tenantId}/devices/{deviceId}";
    const at = `/v1/push/tenants/${pushTenant}/devices/${deviceId}`;
    const proof = {
      userId: pushUser,
      enrollmentToken: link.get("token") as string,
      algorithm: "ES256" as const,
      publicKey: deviceKey.publicKey,
      deviceName: "Phone",
    };
    await call(nobody, "post", `${T}/enrollment`, `${at}/enrollment`, { ...proof, extra: true });
    await call(nobody, "post", `${T}/enrollment`, `${at}/enrollment`, { ...proof, signature: "A".repeat(86) });
    await call(nobody, "post", `${T}/enrollment`, `${at}/enrollment`, {
      ...proof,
      signature: sign({ type: "enroll", tenantId: pushTenant, credentialId: deviceId, ...proof }),
    });
    const pushAttempt = (await call(service, "post", "/v1/attempts", "/v1/attempts", { userId: pushUser, policyId: "push" })).body
      .attemptId;
    const pushed = (await call(service, "post", "/v1/attempts/{attemptId}/challenge", `/v1/attempts/${pushAttempt}/challenge`)).body.push;
    const pushVerify = () =>
      call(service, "post", "/v1/attempts/{attemptId}/verify", `/v1/attempts/${pushAttempt}/verify`, {
        factorId: "phone",
        code: pushed.challengeId,
      });
    await pushVerify();
    const poll = async (nonce: string) => {
      const timestamp = api.clock.now();
      const headers = {
        "mfa-push-timestamp": String(timestamp),
        "mfa-push-nonce": nonce,
        "mfa-push-signature": sign({ type: "poll", tenantId: pushTenant, deviceId, timestamp, nonce }),
      };
      const res = await nobody.call("GET", `${at}/challenges`, undefined, { headers });
      conforms("get", `${T}/challenges`, res);
      return res;
    };
    await poll("q83vEjRWeJCrze8SNFZ4kA");
    await poll("q83vEjRWeJCrze8SNFZ4kA");
    const answer = (challengeId: string, number: number) => {
      const a = { decision: "approve" as const, number, notMe: false };
      const signature = sign({ type: "answer", tenantId: pushTenant, userId: pushUser, attemptId: pushAttempt, challengeId, ...a });
      return call(nobody, "post", `${T}/challenges/{challengeId}/answer`, `${at}/challenges/${challengeId}/answer`, { ...a, signature });
    };
    const wrong = pushed.number === 99 ? 98 : pushed.number + 1;
    await answer(pushed.challengeId, wrong);
    await answer(pushed.challengeId, pushed.number);
    await answer("pch_nope", pushed.number);
    await pushVerify();
    await call(service, "delete", "/v1/users/{userId}/push-denies", `/v1/users/${pushUser}/push-denies`);
    await call(admin, "delete", "/v1/users/{userId}/push-denies", `/v1/users/${pushUser}/push-denies`);

    await call(admin, "get", "/v1/audit-chain", "/v1/audit-chain");

    // The admin console's sign-in and session (issue 15): a browser's cookie and CSRF header.
    const browser = new ApiClient(api.url, null);
    let cookie = "";
    let csrf = "";
    const consoleCall = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await browser.call(method.toUpperCase(), path, body, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
      conforms(method, path, res);
      const set = /^mfa_console=([^;]+)/.exec(res.headers.get("set-cookie") ?? "");
      if (set) cookie = `mfa_console=${set[1]}`;
      return res;
    };
    await consoleCall("get", "/console/session");
    await consoleCall("post", "/console/session", { username: "nobody", password: "not a password" });
    await consoleCall("post", "/console/session/code", { code: "123456" });
    await consoleCall("post", "/console/session", { username: "nobody" });
    const made = await api.server.createOperator({
      username: "conformance",
      password: "a conformance passphrase",
      role: "viewer",
      scope: null,
    });
    await consoleCall("post", "/console/session", { username: "conformance", password: "a conformance passphrase" });
    await consoleCall("post", "/console/session/code", { code: "000000" });
    const step = timeStepAt(api.clock.now(), 30) + 1;
    const code = generateTotp(decodeBase32(made.totpSecret), step * 30_000, { algorithm: "SHA1", digits: 6, period: 30 });
    csrf = (await consoleCall("post", "/console/session/code", { code })).body.session.csrfToken;
    await consoleCall("get", "/console/session");
    // The tenant's API keys: an API key may not manage them (403); a viewer operator neither; an admin operator may.
    await call(admin, "get", "/v1/api-keys", "/v1/api-keys");
    await call(admin, "post", "/v1/api-keys", "/v1/api-keys", { name: "x", role: "service" });
    await call(admin, "post", "/v1/api-keys/{keyId}/revoke", "/v1/api-keys/key_nope/revoke");
    const keysTenant = await api.tenant("admin");
    const operatorOnTenant = { "x-csrf-token": csrf, "mfa-tenant": keysTenant.tenantId };
    await consoleCall("post", "/v1/api-keys", { name: "x", role: "service" }, operatorOnTenant);
    const keeper = await api.server.createOperator({
      username: "keeper",
      password: "a conformance passphrase",
      role: "admin",
      scope: keysTenant.tenantId,
    });
    const keeperBrowser = new ApiClient(api.url, null);
    const keeperLogin = await keeperBrowser.call("POST", "/console/session", { username: "keeper", password: "a conformance passphrase" });
    const keeperCookie = /^mfa_console=([^;]+)/.exec(keeperLogin.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const keeperCode = generateTotp(decodeBase32(keeper.totpSecret), step * 30_000, { algorithm: "SHA1", digits: 6, period: 30 });
    const keeperHeaders = { cookie: `mfa_console=${keeperCookie}` };
    const keeperSession = await keeperBrowser.call("POST", "/console/session/code", { code: keeperCode }, { headers: keeperHeaders });
    const asKeeper = async (method: string, template: string, path: string, body?: unknown) => {
      const res = await keeperBrowser.call(method.toUpperCase(), path, body, {
        headers: { ...keeperHeaders, "x-csrf-token": keeperSession.body.session.csrfToken },
      });
      conforms(method, template, res);
      return res;
    };
    const issued = await asKeeper("post", "/v1/api-keys", "/v1/api-keys", { name: "conformance", role: "service" });
    await asKeeper("post", "/v1/api-keys", "/v1/api-keys", { name: "", role: "service" });
    await asKeeper("get", "/v1/api-keys", "/v1/api-keys");
    await asKeeper("post", "/v1/api-keys/{keyId}/revoke", `/v1/api-keys/${issued.body.keyId}/revoke`);
    await asKeeper("post", "/v1/api-keys/{keyId}/revoke", `/v1/api-keys/${issued.body.keyId}/revoke`);
    // The console's directories: tenants by the session (a scoped admin cannot create; a viewer neither), users by key or session.
    await asKeeper("get", "/console/tenants", "/console/tenants");
    await asKeeper("get", "/console/tenants", "/console/tenants?limit=0");
    await asKeeper("post", "/console/tenants", "/console/tenants", { id: "conformance-made", name: "Conformance" });
    await consoleCall("get", "/console/tenants", undefined, { "x-csrf-token": csrf });
    await consoleCall("get", "/console/tenants");
    await consoleCall("post", "/console/tenants", { id: "", name: "" }, { "x-csrf-token": csrf });
    await call(nobody, "get", "/console/tenants", "/console/tenants");
    const root = await api.server.createOperator({ username: "root", password: "a conformance passphrase", role: "admin", scope: null });
    const rootBrowser = new ApiClient(api.url, null);
    const rootLogin = await rootBrowser.call("POST", "/console/session", { username: "root", password: "a conformance passphrase" });
    const rootHeaders = { cookie: `mfa_console=${/^mfa_console=([^;]+)/.exec(rootLogin.headers.get("set-cookie") ?? "")?.[1] ?? ""}` };
    const rootCode = generateTotp(decodeBase32(root.totpSecret), step * 30_000, { algorithm: "SHA1", digits: 6, period: 30 });
    const rootSession = await rootBrowser.call("POST", "/console/session/code", { code: rootCode }, { headers: rootHeaders });
    const asRoot = async (method: string, path: string, body?: unknown) => {
      const res = await rootBrowser.call(method.toUpperCase(), path, body, {
        headers: { ...rootHeaders, "x-csrf-token": rootSession.body.session.csrfToken },
      });
      conforms(method, path, res);
      return res;
    };
    await asRoot("post", "/console/tenants", { id: "conformance-made", name: "Conformance" });
    await asRoot("post", "/console/tenants", { id: "conformance-made", name: "Conformance" });
    await call(admin, "get", "/v1/users", "/v1/users?limit=2");
    await call(service, "get", "/v1/users", "/v1/users?limit=1000");
    await call(admin, "get", "/v1/users/{userId}/factor-uses", "/v1/users/alice/factor-uses");
    await call(admin, "get", "/v1/users/{userId}/factor-uses", "/v1/users/alice/factor-uses?x=1");
    // An operator's own passkeys (issue 15): no sign-in half-way (no challenge); a registration from another origin
    // refused; no active passkey to remove.
    await asKeeper("post", "/console/session/challenge", "/console/session/challenge");
    await asKeeper("get", "/console/passkeys", "/console/passkeys");
    const registering = await asKeeper("post", "/console/passkeys", "/console/passkeys");
    const elsewhere = new SoftwareAuthenticator("ES256", "localhost", "http://localhost:1");
    const passkeyPath = `/console/passkeys/${registering.body.factor.id}`;
    await asKeeper("post", "/console/passkeys/{credentialId}/confirm", `${passkeyPath}/confirm`, {
      response: elsewhere.register(registering.body.publicKey.challenge),
    });
    await asKeeper("delete", "/console/passkeys/{credentialId}", passkeyPath);
    await consoleCall("delete", "/console/session");
    await consoleCall("delete", "/console/session", undefined, { "x-csrf-token": csrf });

    // The session answered every documented operation, and with more than one status for most.
    expect([...seen.keys()].sort()).toEqual(
      Object.entries(doc.paths)
        .flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`))
        .sort(),
    );
    const statuses = [...seen.values()].reduce((n, s) => n + s.size, 0);
    expect(statuses).toBeGreaterThanOrEqual(40);
  });
});
