// Independent peers against the running API: codes made by oathtool (Debian `oathtool`) verify through it (and
// resynchronise a HOTP token that ran ahead), and zbarimg (Debian `zbar-tools`) reads the enrollment QR back to the exact otpauth:// URI it returned.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32 } from "@mfa-chain/totp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, uniqueId, type ApiClient, type Enrollment, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_peers");
let api: TestApi;
let client: ApiClient;

function tool(name: string, pkg: string): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`${name} is not installed: apt-get install ${pkg} (.ci/run does this)`);
  }
}

const policies = [
  { id: "sha1", name: "SHA1", options: { algorithm: "SHA1", digits: 6, period: 30 } },
  { id: "sha256", name: "SHA256 8 digits", options: { algorithm: "SHA256", digits: 8, period: 30 } },
  { id: "sha512", name: "SHA512 60 s", options: { algorithm: "SHA512", digits: 6, period: 60 } },
] as const;

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client } = await api.tenant());
  for (const p of policies) {
    const created = await client.post("/v1/policies", {
      id: p.id,
      name: p.name,
      mode: "fixed",
      requiredSteps: 1,
      verifyWindow: 0,
      factors: [{ id: "app", label: `App ${p.name}`, type: "totp", options: p.options }],
    });
    expect(created.status).toBe(201);
  }
  expect(
    (
      await client.post("/v1/policies", {
        id: "hotp",
        name: "HOTP",
        mode: "fixed",
        requiredSteps: 1,
        factors: [{ id: "token", label: "Token", type: "hotp" }],
      })
    ).status,
  ).toBe(201);
});
afterAll(async () => api?.close());

const hex = (base32: string) => Buffer.from(decodeBase32(base32)).toString("hex");

describe("oathtool", () => {
  for (const p of policies) {
    it(`confirms and verifies a ${p.name} factor with codes oathtool generates`, async () => {
      const oathtool = tool("oathtool", "oathtool");
      const userId = uniqueId("u");
      const enrolled = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: p.id, factorId: "app" });
      expect(enrolled.status).toBe(201);
      const { secret, factor } = enrolled.body;
      const totp = (atSeconds: number) =>
        execFileSync(
          oathtool,
          [
            `--totp=${p.options.algorithm}`,
            `--digits=${p.options.digits}`,
            `--time-step-size=${p.options.period}s`,
            `--now=@${atSeconds}`,
            "--base32",
            "-",
          ],
          { input: secret, encoding: "utf8" },
        ).trim();
      const now = Math.floor(api.clock.now() / 1000);
      const confirm = await client.post(`/v1/users/${userId}/factors/${factor.id}/confirm`, { code: totp(now) });
      expect(confirm.body).toMatchObject({ confirmed: true });
      // The next step's code, with the clock moved there (window 0: only the current step is accepted).
      api.clock.advance(p.options.period * 1000);
      try {
        const attemptId = (await client.post("/v1/attempts", { userId, policyId: p.id })).body.attemptId;
        const ok = await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "app", code: totp(now + p.options.period) });
        expect(ok.body).toMatchObject({ success: true, complete: true });
      } finally {
        api.clock.advance(-p.options.period * 1000);
      }
    });
  }

  it("verifies HOTP codes oathtool generates, within the look-ahead", async () => {
    const oathtool = tool("oathtool", "oathtool");
    const userId = uniqueId("u");
    const enrolled = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "hotp", factorId: "token" });
    const hotp = (counter: number) =>
      execFileSync(oathtool, ["--hotp", `--counter=${counter}`, hex(enrolled.body.secret)], { encoding: "utf8" }).trim();
    expect((await client.post(`/v1/users/${userId}/factors/${enrolled.body.factor.id}/confirm`, { code: hotp(0) })).body.confirmed).toBe(
      true,
    );
    const attemptId = (await client.post("/v1/attempts", { userId, policyId: "hotp" })).body.attemptId;
    expect((await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "token", code: hotp(4) })).body).toMatchObject({
      success: true,
      complete: true,
    });
  });
});

describe("HOTP resynchronisation with oathtool's codes", () => {
  it("a token 300 presses ahead fails verify, resyncs with two consecutive codes, then verifies; the resync codes stay spent", async () => {
    const oathtool = tool("oathtool", "oathtool");
    const userId = uniqueId("u");
    const enrolled = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "hotp", factorId: "token" });
    const hotp = (counter: number) =>
      execFileSync(oathtool, ["--hotp", `--counter=${counter}`, hex(enrolled.body.secret)], { encoding: "utf8" }).trim();
    const credential = enrolled.body.factor.id;
    expect((await client.post(`/v1/users/${userId}/factors/${credential}/confirm`, { code: hotp(0) })).body.confirmed).toBe(true);
    const verify = async (code: string) => {
      const attemptId = (await client.post("/v1/attempts", { userId, policyId: "hotp" })).body.attemptId;
      return (await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "token", code })).body;
    };
    expect((await verify(hotp(300))).success).toBe(false);
    const resynced = await client.post(`/v1/users/${userId}/factors/${credential}/resync`, { codes: [hotp(301), hotp(302)] });
    expect(resynced.status).toBe(200);
    expect(resynced.body).toMatchObject({ resynced: true, factor: { id: credential, status: "active" } });
    expect((await verify(hotp(303))).success).toBe(true);
    expect((await verify(hotp(302))).success).toBe(false);
    const again = await client.post(`/v1/users/${userId}/factors/${credential}/resync`, { codes: [hotp(301), hotp(302)] });
    expect(again.body).toMatchObject({ resynced: false });
    const types = (
      (await client.get(`/v1/audit-events?userId=${userId}&type=factor.resynced&type=factor.resync_failed`)).body.events as Array<{
        type: string;
      }>
    ).map((e) => e.type);
    expect(types).toEqual(["factor.resync_failed", "factor.resynced"]);
    const oneCode = await client.post(`/v1/users/${userId}/factors/${credential}/resync`, { codes: ["123456"] });
    expect(oneCode.status).toBe(400);
    expect(oneCode.body.code).toBe("invalid_request");
  });
});

describe("zbarimg", () => {
  it("decodes the enrollment QR (PNG) to exactly the returned otpauth:// URI, and the SVG is a QR image", async () => {
    const zbarimg = tool("zbarimg", "zbar-tools");
    const enrolled = await client.post<Enrollment>(`/v1/users/${uniqueId("u")}/factors`, { policyId: "sha256", factorId: "app" });
    const { qr, otpauthUri, secret } = enrolled.body;
    expect(qr.png.startsWith("data:image/png;base64,")).toBe(true);
    expect(qr.svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const dir = mkdtempSync(join(tmpdir(), "mfa-qr-"));
    try {
      const file = join(dir, "qr.png");
      writeFileSync(file, Buffer.from(qr.png.slice("data:image/png;base64,".length), "base64"));
      const decoded = execFileSync(zbarimg, ["--quiet", "--raw", "-Sbinary", file], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }).trim();
      expect(decoded).toBe(otpauthUri);
      const uri = new URL(decoded);
      expect(uri.protocol).toBe("otpauth:");
      expect(uri.host).toBe("totp");
      expect(uri.searchParams.get("secret")).toBe(secret);
      expect(uri.searchParams.get("algorithm")).toBe("SHA256");
      expect(uri.searchParams.get("digits")).toBe("8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
