// Idempotency-Key on the routes a client may need to retry (start, verify, enroll, confirm), on a real PostgreSQL: a
// retry after a lost answer gets the first answer back and changes nothing — no wrong code counted twice, no right code
// consumed twice, no second enrollment.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { connect } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const database = useTestDatabase("api_idempotency");
let api: TestApi;
let client: ApiClient;
let tenantId: string;
let sql: pg.Client;

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client, tenantId } = await api.tenant());
  expect((await client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await api?.close();
});

const withKey = (key: string) => ({ headers: { "idempotency-key": key } });
const post = (path: string, body: unknown, key: string) => client.call("POST", path, body, withKey(key));

/** The user's failure counter and the number of audit events about them: what a replay must leave as it was. */
async function stateOf(userId: string): Promise<{ failures: number; events: number }> {
  const failures = await sql.query<{ n: number }>("select consecutive_failures as n from lockouts where tenant_id = $1 and user_id = $2", [
    tenantId,
    userId,
  ]);
  const events = await sql.query<{ n: number }>("select count(*)::int as n from audit_events where tenant_id = $1 and user_id = $2", [
    tenantId,
    userId,
  ]);
  return { failures: failures.rows[0]?.n ?? 0, events: events.rows[0]?.n ?? 0 };
}

/** Writes a whole request on a connection of its own and closes it at once, without reading the answer. */
function sendAndHangUp(path: string, body: unknown, key: string): Promise<void> {
  const { hostname, port } = new URL(api.url);
  const payload = JSON.stringify(body);
  const request = [
    `POST ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    `Authorization: Bearer ${client.apiKey}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(payload)}`,
    `Idempotency-Key: ${key}`,
    "",
    payload,
  ].join("\r\n");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request, () => (socket.destroy(), resolve())));
    socket.once("error", reject);
  });
}

async function userWithAttempt() {
  const userId = uniqueId("u");
  const devices = await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  const attemptId = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId as string;
  return { userId, attemptId, google: devices.google_auth as Authenticator };
}

describe("Idempotency-Key", () => {
  it("a verify whose answer was dropped: the retry gets the first answer and the wrong code is counted once", async () => {
    const { userId, attemptId, google } = await userWithAttempt();
    const key = uniqueId("k");
    const body = { factorId: "google_auth", code: google.wrong() };
    // The request reaches the server, and the connection is gone before its answer: the server still commits it.
    await sendAndHangUp(`/v1/attempts/${attemptId}/verify`, body, key);
    await expect.poll(async () => (await stateOf(userId)).failures, { timeout: 5_000 }).toBe(1);
    const before = await stateOf(userId);

    const retry = await post(`/v1/attempts/${attemptId}/verify`, body, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toMatchObject({ success: false, reset: true, failuresRemaining: 4 });
    const again = await post(`/v1/attempts/${attemptId}/verify`, body, key);
    expect(again.body).toEqual(retry.body);
    expect(await stateOf(userId)).toEqual(before);
    // Without a key the same request is a new guess, and counts.
    expect((await client.post(`/v1/attempts/${attemptId}/verify`, body)).body).toMatchObject({ failuresRemaining: 3 });
  });

  it("a right code retried with its key: the same success, the code consumed once, the chain advanced once", async () => {
    const { userId, attemptId, google } = await userWithAttempt();
    const body = { factorId: "google_auth", code: google.next() };
    const key = uniqueId("k");
    const first = await post(`/v1/attempts/${attemptId}/verify`, body, key);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, complete: false, nextFactor: { id: "ms_auth" } });
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const before = await stateOf(userId);
    const retry = await post(`/v1/attempts/${attemptId}/verify`, body, key);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await stateOf(userId)).toEqual(before);
    expect((await client.get(`/v1/attempts/${attemptId}`)).body).toMatchObject({ currentFactor: { id: "ms_auth" } });
    // The code itself stays used: under a new key it is a replay, refused (S1).
    expect((await post(`/v1/attempts/${attemptId}/verify`, body, uniqueId("k"))).body).toMatchObject({ success: false, reset: true });
  });

  it("20 parallel requests with one key and one wrong code: one runs, the others get its answer, one failure counted", async () => {
    const { userId, attemptId, google } = await userWithAttempt();
    const key = uniqueId("k");
    const body = { factorId: "google_auth", code: google.wrong() };
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(`/v1/attempts/${attemptId}/verify`, body, key)));
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([200]));
    expect(replies.filter((r) => r.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    for (const r of replies) expect(r.body).toEqual(replies[0]?.body);
    expect((await stateOf(userId)).failures).toBe(1);
  });

  it("an enrollment retried with its key returns the same pending factor and secret, and makes no second one", async () => {
    const userId = uniqueId("u");
    const key = uniqueId("k");
    const body = { policyId: "login", factorId: "google_auth" };
    const first = await post(`/v1/users/${userId}/factors`, body, key);
    expect(first.status).toBe(201);
    const retry = await post(`/v1/users/${userId}/factors`, body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("cache-control")).toBe("no-store");
    expect(retry.body).toEqual(first.body);
    expect((await client.get(`/v1/users/${userId}/factors`)).body.factors).toHaveLength(1);
    // The stored answer holds the secret: sealed, never in plain text (S9).
    const secret = (first.body as Enrollment).secret;
    const stored = await sql.query<{ dump: string }>(
      "select encode(response_ciphertext, 'escape') as dump from idempotency_keys where tenant_id = $1 and key = $2",
      [tenantId, key],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.dump).not.toContain(secret);

    // Confirm, retried: confirmed once, the same answer.
    const device = new Authenticator(first.body as Enrollment, api.clock);
    const confirmKey = uniqueId("k");
    const path = `/v1/users/${userId}/factors/${device.credentialId}/confirm`;
    const code = { code: device.next() };
    const confirmed = await post(path, code, confirmKey);
    expect(confirmed.body).toMatchObject({ confirmed: true });
    const replayed = await post(path, code, confirmKey);
    expect(replayed.body).toEqual(confirmed.body);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    // Without the key, the same confirmation is refused: the factor is no longer pending.
    expect((await client.post(path, code)).status).toBe(409);
  });

  it("one key for another request is refused with 422 and changes nothing; keys belong to their tenant", async () => {
    const { userId, attemptId, google } = await userWithAttempt();
    const key = uniqueId("k");
    expect((await post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: google.wrong() }, key)).status).toBe(200);
    const before = await stateOf(userId);
    const reused = await post(
      `/v1/attempts/${attemptId}/verify`,
      { factorId: "google_auth", code: google.wrong().replace(/^./, "9") },
      key,
    );
    expect(reused.status).toBe(422);
    expect(reused.contentType).toContain("application/problem+json");
    expect(reused.body.code).toBe("idempotency_key_reused");
    const started = await post("/v1/attempts", { userId, policyId: "login" }, key);
    expect(started.status).toBe(422);
    expect(await stateOf(userId)).toEqual(before);

    // Another tenant's request under the same key is its own.
    const other = await api.tenant();
    expect((await other.client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
    const enrolled = await other.client.call(
      "POST",
      `/v1/users/${uniqueId("u")}/factors`,
      { policyId: "login", factorId: "google_auth" },
      withKey(key),
    );
    expect(enrolled.status).toBe(201);
    expect(enrolled.headers.get("idempotent-replayed")).toBeNull();
  });

  it("refuses a malformed key with 400 before doing anything", async () => {
    const { userId, attemptId, google } = await userWithAttempt();
    const before = await stateOf(userId);
    for (const key of ["", "has space", "é", "x".repeat(256)]) {
      const reply = await post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: google.wrong() }, key);
      expect(reply.status, JSON.stringify(key)).toBe(400);
      expect(reply.body.detail).toContain("Idempotency-Key");
    }
    expect(await stateOf(userId)).toEqual(before);
  });
});
