// The enrollment QR code, read back by a real decoder: zbarimg (Debian package zbar-tools).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as OTPAuth from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKeyUri, type KeyUriParams } from "./key-uri.js";
import { qrCode } from "./qr-code.js";
import { generateSecret } from "./secret.js";

const run = promisify(execFile);
const PNG_PREFIX = "data:image/png;base64,";

let dir = "";
beforeAll(async () => {
  try {
    await run("zbarimg", ["--version"]);
  } catch (error) {
    throw new Error(
      "zbarimg is required for these tests and was not found: install the Debian package `zbar-tools` (apt-get install -y zbar-tools)",
      { cause: error },
    );
  }
  dir = await mkdtemp(join(tmpdir(), "mfa-totp-qr-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function decodePng(dataUri: string, name: string): Promise<string> {
  expect(dataUri.startsWith(PNG_PREFIX)).toBe(true);
  const file = join(dir, `${name}.png`);
  await writeFile(file, Buffer.from(dataUri.slice(PNG_PREFIX.length), "base64"));
  const { stdout } = await run("zbarimg", ["--raw", "-q", file]);
  return stdout.replace(/\n$/, "");
}

const inputs: ReadonlyArray<readonly [string, KeyUriParams]> = [
  [
    "totp default",
    {
      type: "totp",
      secret: generateSecret(),
      issuer: "mfa-chain",
      accountName: "alice@example.com",
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    },
  ],
  [
    "totp sha512 8 digits 60 s, spaces, colon, unicode",
    {
      type: "totp",
      secret: generateSecret(),
      issuer: "ACME Co",
      accountName: "José Müller: token 2 ✓",
      algorithm: "SHA512",
      digits: 8,
      period: 60,
    },
  ],
  [
    "a user id with a colon (encoded as %3A in the label)",
    {
      type: "totp",
      secret: generateSecret(),
      issuer: "mfa-chain",
      accountName: "acme:alice (phone)",
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    },
  ],
  [
    "hotp with image",
    {
      type: "hotp",
      secret: generateSecret(),
      issuer: "Bank",
      accountName: "bob",
      algorithm: "SHA256",
      digits: 6,
      counter: 42,
      image: "https://example.com/logo.png",
    },
  ],
];

describe("qrCode", () => {
  it.each(inputs)("zbarimg decodes the PNG back to the exact URI: %s", async (name, input) => {
    const uri = buildKeyUri(input);
    const images = await qrCode(uri);
    expect(await decodePng(images.png, name.replace(/\W+/g, "_"))).toBe(uri);
  });

  it("a scanned account name with a colon reads back whole in an independent parser (otpauth)", async () => {
    const input = inputs.find(([name]) => name.startsWith("a user id with a colon"))?.[1] as KeyUriParams;
    const scanned = await decodePng((await qrCode(buildKeyUri(input))).png, "colon_peer");
    expect(scanned).toContain("mfa-chain:acme%3Aalice");
    const peer = OTPAuth.URI.parse(scanned);
    expect([peer.issuer, peer.label]).toEqual(["mfa-chain", "acme:alice (phone)"]);
  });

  it("returns an SVG document with QR modules", async () => {
    const { svg } = await qrCode(buildKeyUri(inputs[0]?.[1] as KeyUriParams));
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toMatch(/<path [^>]*d="M\d/);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("encodes different URIs as different images", async () => {
    const a = await qrCode(buildKeyUri(inputs[0]?.[1] as KeyUriParams));
    const b = await qrCode(buildKeyUri({ ...(inputs[0]?.[1] as KeyUriParams), accountName: "carol@example.com" }));
    expect(a.png).not.toBe(b.png);
    expect(a.svg).not.toBe(b.svg);
  });

  it("rejects an empty string", async () => {
    await expect(qrCode("")).rejects.toThrow(TypeError);
  });
});
