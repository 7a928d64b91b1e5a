// The push-device command line, run in process against the loopback stub.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { PushStubServer } from "./stub-server.js";

let stub: PushStubServer;
let dir: string;
beforeAll(async () => {
  stub = await new PushStubServer().start();
  dir = await mkdtemp(join(tmpdir(), "push-device-cli-"));
});
afterAll(async () => {
  await stub.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { PUSH_DEVICE_KEY_FILE: "device.json" },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

describe("push-device CLI", () => {
  it("enroll, poll, approve, deny --not-me: the whole round, the key never printed", async () => {
    const { link, credentialId } = stub.issueEnrollment("acme", "alice");
    const enrolled = await cli("enroll", link, "--name", "CLI phone", "--algorithm", "Ed25519");
    expect(enrolled).toMatchObject({ code: 0, stderr: "" });
    expect(enrolled.stdout).toContain(`as device ${credentialId} of user alice`);
    const keyFile = join(dir, "device.json");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

    const a = stub.issueChallenge(credentialId);
    const b = stub.issueChallenge(credentialId);
    const polled = await cli("poll");
    expect(polled.code).toBe(0);
    expect(polled.stdout).toContain(`${a.challengeId}  choices: ${a.choices.join(" ")}  expires in`);
    expect(polled.stdout).toContain(b.challengeId);

    expect(await cli("approve", a.challengeId, String(a.number))).toMatchObject({ code: 0, stdout: "approved\n" });
    expect(await cli("deny", b.challengeId, "--not-me")).toMatchObject({ code: 0, stdout: "reported_fraud\n" });
    expect(await cli("poll")).toMatchObject({ code: 0, stdout: "no pending challenge\n" });

    const secret = JSON.parse(await readFile(keyFile, "utf8")) as { privateKey: string };
    const everything = [enrolled, polled].map((r) => r.stdout + r.stderr).join("");
    expect(everything).not.toContain(secret.privateKey);
  });

  it("reports a refusal with its code and exit status 1", async () => {
    const r = await cli("--key-file", "missing.json", "poll");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^push-device: key_file_invalid: /);
  });

  it.each([
    [[]],
    [["fly"]],
    [["approve", "ch_1"]],
    [["approve", "ch_1", "7"]],
    [["approve", "ch_1", "٤٢"]],
    [["deny", "ch_1", "--name", "x"]],
    [["poll", "--bogus"]],
    [["enroll", "x", "--algorithm", "RS256"]],
    [["--timeout", "soon", "poll"]],
  ])("refuses %j as a usage error (exit 2)", async (argv) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
  });

  it("prints its usage on --help", async () => {
    expect(await cli("--help")).toMatchObject({ code: 0, stdout: expect.stringContaining("usage: push-device") });
  });
});
