// The reference device against a loopback stub of the push routes, with real keys and real signatures end to end.
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalPushMessage } from "@mfa-chain/domain";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PushDevice, PushDeviceError, readKeyFile, POLL_HEADERS, PUSH_ROUTES } from "../src/index.js";
import { PushStubServer } from "./stub-server.js";

let stub: PushStubServer;
let dir: string;
let n = 0;
beforeAll(async () => {
  stub = await new PushStubServer().start();
});
afterAll(() => stub.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "push-device-"));
  stub.now = Date.now;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A fetch that records what went out, so a test can replay it. */
function recordingFetch() {
  const sent: { url: string; init: RequestInit }[] = [];
  const f: typeof fetch = (input, init) => {
    sent.push({ url: String(input), init: init ?? {} });
    return fetch(input, init);
  };
  return { f, sent };
}

async function enrolledDevice(algorithm: "ES256" | "Ed25519" = "ES256", extra: { now?: () => number; fetch?: typeof fetch } = {}) {
  const keyFile = join(dir, `device-${++n}.json`);
  const { link, credentialId } = stub.issueEnrollment("acme", "alice@example.com", "Acme — alice");
  const device = new PushDevice({ keyFile, timeoutMs: 5000, ...extra });
  await device.enroll(link, { deviceName: "Alice’s test phone", algorithm });
  return { device, keyFile, credentialId };
}

const refusal = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PushDeviceError);
  return error as PushDeviceError;
};

describe.each(["ES256", "Ed25519"] as const)("push device, %s", (algorithm) => {
  it("enrolls with a link: the server verifies the signed proof; the key is kept in a 0600 file", async () => {
    const { keyFile, credentialId } = await enrolledDevice(algorithm);
    expect(stub.devices.get(credentialId)).toMatchObject({ algorithm, userId: "alice@example.com", deviceName: "Alice’s test phone" });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const state = await readKeyFile(keyFile);
    expect(state.enrollment).toEqual({
      apiBaseUrl: stub.baseUrl,
      tenantId: "acme",
      userId: "alice@example.com",
      deviceId: credentialId,
      deviceName: "Alice’s test phone",
      label: "Acme — alice",
    });
    expect(Buffer.from(stub.devices.get(credentialId)!.publicKey).toString("base64url")).toBe(state.key.publicKey);
  });

  it("polls its challenges and approves one with the right number (S17)", async () => {
    const { device, credentialId } = await enrolledDevice(algorithm);
    const issued = stub.issueChallenge(credentialId);
    const [seen, ...others] = await device.poll();
    expect(others).toEqual([]);
    expect(seen).toMatchObject({ challengeId: issued.challengeId, attemptId: issued.attemptId, choices: issued.choices });
    expect(await device.approve(issued.challengeId, issued.number)).toBe("approved");
    expect(stub.challenges.get(issued.challengeId)).toMatchObject({ state: "answered", outcome: "approved" });
    expect(await device.poll()).toEqual([]);
  });
});

describe("push device: refusals", () => {
  it("a wrong number among the choices is refused by the server and is final for the challenge", async () => {
    const { device, credentialId } = await enrolledDevice();
    const c = stub.issueChallenge(credentialId);
    const wrong = c.choices.find((x) => x !== c.number)!;
    const e = await refusal(device.approve(c.challengeId, wrong));
    expect(e).toMatchObject({ code: "server_refused", details: { status: 422 } });
    expect(stub.challenges.get(c.challengeId)?.outcome).toBe("wrong_number");
    expect((await refusal(device.approve(c.challengeId, c.number))).code).toBe("challenge_not_found");
  });

  it("a number that is not offered is refused on the device, before anything is sent", async () => {
    const { device, credentialId } = await enrolledDevice();
    const c = stub.issueChallenge(credentialId);
    const absent = [10, 11, 12, 13].find((x) => !c.choices.includes(x))!;
    expect((await refusal(device.approve(c.challengeId, absent))).code).toBe("number_not_offered");
    expect(stub.challenges.get(c.challengeId)?.state).toBe("pending");
  });

  it('denies, and denies as "not me"', async () => {
    const { device, credentialId } = await enrolledDevice("Ed25519");
    const a = stub.issueChallenge(credentialId);
    const b = stub.issueChallenge(credentialId);
    expect(await device.deny(a.challengeId)).toBe("denied");
    expect(await device.deny(b.challengeId, { notMe: true })).toBe("reported_fraud");
  });

  it("an expired challenge cannot be approved (S17)", async () => {
    const { device, credentialId } = await enrolledDevice();
    const c = stub.issueChallenge(credentialId);
    const [seen] = await device.poll();
    stub.now = () => c.expiresAt;
    const e = await refusal(device.answer(seen!, { decision: "approve", number: c.number, notMe: false }));
    expect(e).toMatchObject({ code: "server_refused", details: { status: 410 } });
  });

  it("a replayed answer is refused: each challenge is answered once", async () => {
    const rec = recordingFetch();
    const { device, credentialId } = await enrolledDevice("ES256", { fetch: rec.f });
    const c = stub.issueChallenge(credentialId);
    expect(await device.approve(c.challengeId, c.number)).toBe("approved");
    const answer = rec.sent.at(-1)!;
    const replay = await fetch(answer.url, answer.init);
    expect(replay.status).toBe(409);
  });

  it("an answer signed by another device's key is refused", async () => {
    const a = await enrolledDevice();
    const b = await enrolledDevice();
    const c = stub.issueChallenge(a.credentialId);
    const { key } = await readKeyFile(b.keyFile);
    const message = canonicalPushMessage({
      type: "answer",
      tenantId: "acme",
      userId: c.userId,
      attemptId: c.attemptId,
      challengeId: c.challengeId,
      decision: "approve",
      number: c.number,
      notMe: false,
    });
    if (!message.ok) throw new Error(message.error.message);
    const { enrollment } = await readKeyFile(a.keyFile);
    const response = await fetch(PUSH_ROUTES.answer(enrollment, c.challengeId), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", number: c.number, notMe: false, signature: key.sign(message.value) }),
    });
    expect(response.status).toBe(401);
    expect(stub.challenges.get(c.challengeId)?.state).toBe("pending");
  });

  it("an answer bound to another attempt does not verify (the server rebuilds the string it checks)", async () => {
    const { device, credentialId } = await enrolledDevice();
    const c = stub.issueChallenge(credentialId);
    const [seen] = await device.poll();
    const e = await refusal(device.answer({ ...seen!, attemptId: "att_other" }, { decision: "approve", number: c.number, notMe: false }));
    expect(e).toMatchObject({ code: "server_refused", details: { status: 401 } });
  });

  it("a replayed poll is refused: the nonce is remembered", async () => {
    const rec = recordingFetch();
    const { device } = await enrolledDevice("ES256", { fetch: rec.f });
    await device.poll();
    const poll = rec.sent.at(-1)!;
    expect(new Headers(poll.init.headers).get(POLL_HEADERS.nonce)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const replay = await fetch(poll.url, poll.init);
    expect(replay.status).toBe(401);
    expect(stub.refusals.at(-1)).toBe("nonce replayed");
  });

  it("a stale or future poll timestamp is refused (±60 s)", async () => {
    const { keyFile } = await enrolledDevice();
    const stale = new PushDevice({ keyFile, now: () => Date.now() - 61_000 });
    expect(await refusal(stale.poll())).toMatchObject({ code: "server_refused", details: { status: 401 } });
    expect(stub.refusals.at(-1)).toBe("timestamp stale");
    const future = new PushDevice({ keyFile, now: () => Date.now() + 61_000 });
    await refusal(future.poll());
    expect(stub.refusals.at(-1)).toBe("timestamp in_future");
    const skewed = new PushDevice({ keyFile, now: () => Date.now() - 50_000 });
    expect(await skewed.poll()).toEqual([]);
  });

  it("a poll with a tampered signature is refused", async () => {
    const rec = recordingFetch();
    const { device } = await enrolledDevice("Ed25519", { fetch: rec.f });
    await device.poll();
    const poll = rec.sent.at(-1)!;
    const headers = new Headers(poll.init.headers);
    headers.set(POLL_HEADERS.nonce, "AAAAAAAAAAAAAAAAAAAAAA");
    expect((await fetch(poll.url, { ...poll.init, headers })).status).toBe(401);
    expect(stub.refusals.at(-1)).toBe("bad signature");
  });

  it("an enrollment link is one-time: a second device with the same link is refused and keeps no key", async () => {
    const { link } = stub.issueEnrollment("acme", "bob");
    await new PushDevice({ keyFile: join(dir, "first.json") }).enroll(link, { deviceName: "first" });
    const second = join(dir, "second.json");
    const e = await refusal(new PushDevice({ keyFile: second }).enroll(link, { deviceName: "thief" }));
    expect(e).toMatchObject({ code: "server_refused", details: { status: 401 } });
    expect(stub.refusals.at(-1)).toBe("token already used");
    await expect(stat(second)).rejects.toThrow();
  });

  it("an expired enrollment link is refused", async () => {
    const { link } = stub.issueEnrollment("acme", "carol");
    stub.now = () => Date.now() + 10 * 60_000;
    await refusal(new PushDevice({ keyFile: join(dir, "late.json") }).enroll(link, { deviceName: "late" }));
    expect(stub.refusals.at(-1)).toBe("token expired");
  });

  it("refuses a malformed link and an existing key file before any request", async () => {
    const rec = recordingFetch();
    const device = new PushDevice({ keyFile: join(dir, "x.json"), fetch: rec.f });
    expect((await refusal(device.enroll("https://evil.example/enroll", { deviceName: "x" }))).code).toBe("invalid_link");
    const { link, keyFile } = { ...stub.issueEnrollment("acme", "dave"), keyFile: (await enrolledDevice()).keyFile };
    const again = new PushDevice({ keyFile, fetch: rec.f });
    expect((await refusal(again.enroll(link, { deviceName: "x" }))).code).toBe("key_file_exists");
    expect(rec.sent).toEqual([]);
  });

  it("refuses a key file others can read", async () => {
    const { device, keyFile } = await enrolledDevice();
    await chmod(keyFile, 0o644);
    expect((await refusal(device.poll())).code).toBe("key_file_insecure");
  });

  it("never writes the private key anywhere but the key file, and says nothing of it when inspected", async () => {
    const { keyFile } = await enrolledDevice();
    const state = await readKeyFile(keyFile);
    const pkcs8 = state.key.pkcs8().toString("base64");
    expect(await readFile(keyFile, "utf8")).toContain(pkcs8);
    expect(JSON.stringify(state)).not.toContain(pkcs8);
    expect(String((await import("node:util")).inspect(state))).not.toContain(pkcs8);
  });

  it("gives up on a server that does not answer, within its timeout", async () => {
    const { keyFile } = await enrolledDevice();
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const device = new PushDevice({ keyFile, timeoutMs: 50, fetch: hanging });
    const e = await refusal(device.poll());
    expect(e.code).toBe("network");
    expect(e.message).toMatch(/within 50 ms/);
  });
});
