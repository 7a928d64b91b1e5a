// The push signature check against what real devices send: keys and signatures from WebCrypto (as a browser, a
// React Native WebCrypto shim or Node's own webcrypto make them) and from node:crypto, for both algorithms.
import { generateKeyPairSync, sign, webcrypto, type KeyObject } from "node:crypto";
import { canonicalPushMessage, type PushAlgorithm } from "@mfa-chain/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { NodePushSignatureVerifier } from "./node-push-signature-verifier.js";

const { subtle } = webcrypto;
const verifier = new NodePushSignatureVerifier();

const answer = (() => {
  const r = canonicalPushMessage({
    type: "answer",
    tenantId: "acme",
    userId: "alice",
    attemptId: "att_1",
    challengeId: "ch_1",
    decision: "approve",
    number: 42,
    notMe: false,
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
})();
const utf8 = (s: string) => new TextEncoder().encode(s);

interface Device {
  readonly algorithm: PushAlgorithm;
  readonly spki: Uint8Array;
  readonly raw: Uint8Array;
  signP1363(message: string): Promise<Uint8Array>;
}

async function webCryptoDevice(algorithm: PushAlgorithm): Promise<Device> {
  const params = algorithm === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const pair = (await subtle.generateKey(params, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const signParams = algorithm === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  return {
    algorithm,
    spki: new Uint8Array(await subtle.exportKey("spki", pair.publicKey)),
    raw: new Uint8Array(await subtle.exportKey("raw", pair.publicKey)),
    signP1363: async (message) => new Uint8Array(await subtle.sign(signParams, pair.privateKey, utf8(message))),
  };
}

function nodeKeys(algorithm: PushAlgorithm): { spki: Uint8Array; privateKey: KeyObject } {
  const { publicKey, privateKey } =
    algorithm === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  return { spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })), privateKey };
}

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = new Uint8Array(bytes);
  copy[at]! ^= 0x01;
  return copy;
};

describe.each(["ES256", "Ed25519"] as const)("NodePushSignatureVerifier, %s", (algorithm) => {
  let device: Device;
  let other: Device;
  let signature: Uint8Array;
  beforeAll(async () => {
    device = await webCryptoDevice(algorithm);
    other = await webCryptoDevice(algorithm);
    signature = await device.signP1363(answer);
  });

  it("accepts a WebCrypto signature of the canonical string, with the key as SPKI DER or raw", () => {
    expect(signature.length).toBe(64);
    expect(verifier.verify(device.spki, algorithm, answer, signature)).toBe(true);
    expect(verifier.verify(device.raw, algorithm, answer, signature)).toBe(true);
  });

  it("accepts a node:crypto signature made in the protocol's encoding", () => {
    const keys = nodeKeys(algorithm);
    const sig =
      algorithm === "ES256"
        ? sign("sha256", utf8(answer), { key: keys.privateKey, dsaEncoding: "ieee-p1363" })
        : sign(null, utf8(answer), keys.privateKey);
    expect(verifier.verify(keys.spki, algorithm, answer, sig)).toBe(true);
  });

  it("refuses a tampered message: one field changed, a byte added, a line ending changed", () => {
    expect(verifier.verify(device.spki, algorithm, answer.replace("number=42", "number=24"), signature)).toBe(false);
    expect(verifier.verify(device.spki, algorithm, `${answer}\n`, signature)).toBe(false);
    expect(verifier.verify(device.spki, algorithm, answer.replaceAll("\n", "\r\n"), signature)).toBe(false);
  });

  it("refuses a tampered signature, a truncated or padded one, and an empty one", () => {
    for (const at of [0, 31, 32, 63]) expect(verifier.verify(device.spki, algorithm, answer, flip(signature, at))).toBe(false);
    expect(verifier.verify(device.spki, algorithm, answer, signature.subarray(0, 63))).toBe(false);
    expect(verifier.verify(device.spki, algorithm, answer, new Uint8Array([...signature, 0]))).toBe(false);
    expect(verifier.verify(device.spki, algorithm, answer, new Uint8Array(0))).toBe(false);
    expect(verifier.verify(device.spki, algorithm, answer, new Uint8Array(64))).toBe(false);
  });

  it("refuses a signature by another device's key, and a tampered key", () => {
    expect(verifier.verify(other.spki, algorithm, answer, signature)).toBe(false);
    expect(verifier.verify(flip(device.spki, device.spki.length - 1), algorithm, answer, signature)).toBe(false);
  });

  it("refuses the key under the other algorithm's name", () => {
    const otherAlgorithm = algorithm === "ES256" ? "Ed25519" : "ES256";
    expect(verifier.verify(device.spki, otherAlgorithm, answer, signature)).toBe(false);
    expect(verifier.parsePublicKey(otherAlgorithm, device.spki)).toMatchObject({ ok: false });
  });

  it("refuses a message that is not well-formed UTF-16 (it would be signed as U+FFFD)", async () => {
    const broken = `${answer}\ud800`;
    const replaced = `${answer}\ufffd`;
    const sig = await device.signP1363(replaced);
    expect(verifier.verify(device.spki, algorithm, replaced, sig)).toBe(true);
    expect(verifier.verify(device.spki, algorithm, broken, sig)).toBe(false);
  });

  it("normalizes SPKI DER and raw keys to the same SPKI DER", () => {
    const fromSpki = verifier.parsePublicKey(algorithm, device.spki);
    const fromRaw = verifier.parsePublicKey(algorithm, device.raw);
    expect(fromSpki).toEqual({ ok: true, value: { algorithm, spki: device.spki } });
    expect(fromRaw).toEqual(fromSpki);
  });
});

describe("NodePushSignatureVerifier: the ES256 encoding trap", () => {
  it("refuses a DER (ASN.1) ECDSA signature — node's default — however valid; the protocol takes IEEE P1363 only", () => {
    const keys = nodeKeys("ES256");
    const der = sign("sha256", utf8(answer), keys.privateKey);
    expect(der[0]).toBe(0x30);
    expect(verifier.verify(keys.spki, "ES256", answer, der)).toBe(false);
    // The same signature re-encoded as r‖s is accepted: the refusal is about the encoding, not the key.
    expect(verifier.verify(keys.spki, "ES256", answer, derToP1363(der))).toBe(true);
  });
});

describe("NodePushSignatureVerifier.parsePublicKey", () => {
  it("refuses keys of another type or curve", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "der", type: "spki" });
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey.export({ format: "der", type: "spki" });
    const ed448 = generateKeyPairSync("ed448").publicKey.export({ format: "der", type: "spki" });
    expect(verifier.parsePublicKey("ES256", rsa)).toMatchObject({ ok: false, error: { code: "algorithm_mismatch" } });
    expect(verifier.parsePublicKey("ES256", p384)).toMatchObject({ ok: false, error: { code: "algorithm_mismatch" } });
    expect(verifier.parsePublicKey("Ed25519", ed448)).toMatchObject({ ok: false, error: { code: "algorithm_mismatch" } });
  });

  it("refuses a P-256 point off the curve, raw or in SPKI", async () => {
    const device = await webCryptoDevice("ES256");
    const offCurve = flip(device.raw, 64);
    expect(verifier.parsePublicKey("ES256", offCurve)).toMatchObject({ ok: false, error: { code: "invalid_point" } });
    expect(verifier.parsePublicKey("ES256", flip(device.spki, 90))).toMatchObject({ ok: false, error: { code: "invalid_point" } });
  });

  it.each([
    ["empty", new Uint8Array(0)],
    ["garbage", new Uint8Array(91).fill(7)],
    ["a compressed-looking raw point", new Uint8Array(65).fill(2)],
    ["an oversized blob", new Uint8Array(4096)],
  ])("refuses %s", (_what, bytes) => {
    expect(verifier.parsePublicKey("ES256", bytes)).toMatchObject({ ok: false, error: { code: "malformed" } });
    expect(verifier.verify(bytes, "ES256", answer, new Uint8Array(64))).toBe(false);
  });

  it("refuses an Ed25519 key of the wrong length", () => {
    expect(verifier.parsePublicKey("Ed25519", new Uint8Array(31))).toMatchObject({ ok: false, error: { code: "malformed" } });
  });
});

/** DER ECDSA-Sig-Value → r‖s, each left-padded to 32 bytes. */
function derToP1363(der: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  let at = 2;
  for (const offset of [0, 32]) {
    const length = der[at + 1]!;
    let int = der.subarray(at + 2, at + 2 + length);
    while (int.length > 32 && int[0] === 0) int = int.subarray(1);
    out.set(int, offset + 32 - int.length);
    at += 2 + length;
  }
  return out;
}
