// Checks push devices' signatures with node:crypto (the application's PushSignatureVerifier port). ES256 signatures
// are IEEE P1363 (raw r‖s, 64 bytes, what WebCrypto produces) and nothing else: node's own default is DER, and a
// P1363 signature checked as DER (or the reverse) is silently false — so the encoding is fixed here, once, and a DER
// signature is refused outright. Ed25519 signatures are RFC 8032's 64 bytes.
import { createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import type { PushPublicKey, PushPublicKeyError, PushSignatureVerifier } from "@mfa-chain/application";
import { err, ok, type PushAlgorithm, type Result } from "@mfa-chain/domain";

/** The SPKI DER header of a P-256 key (id-ecPublicKey, prime256v1), followed by the 65-byte uncompressed point. */
const P256_SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");
/** The SPKI DER header of an Ed25519 key (id-Ed25519), followed by the 32-byte key. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const SIGNATURE_BYTES = 64;
const MAX_KEY_BYTES = 512;

interface KeyShape {
  /** The raw form's length, and a check of its first bytes. */
  readonly rawLength: number;
  readonly rawValid: (raw: Buffer) => boolean;
  readonly spkiPrefix: Buffer;
  /** node's name of the key type, and of the curve where there is one. */
  readonly keyType: string;
  readonly curve?: string;
  readonly name: string;
}

const SHAPES: Readonly<Record<PushAlgorithm, KeyShape>> = {
  ES256: {
    rawLength: 65,
    rawValid: (raw) => raw[0] === 0x04,
    spkiPrefix: P256_SPKI_PREFIX,
    keyType: "ec",
    curve: "prime256v1",
    name: "a P-256 key",
  },
  Ed25519: { rawLength: 32, rawValid: () => true, spkiPrefix: ED25519_SPKI_PREFIX, keyType: "ed25519", name: "an Ed25519 key" },
};

const problem = (code: PushPublicKeyError["code"], message: string) => err<PushPublicKeyError>({ code, message });

export class NodePushSignatureVerifier implements PushSignatureVerifier {
  parsePublicKey(algorithm: PushAlgorithm, publicKey: Uint8Array): Result<PushPublicKey, PushPublicKeyError> {
    const parsed = this.keyObject(algorithm, publicKey);
    if (!parsed.ok) return parsed;
    const spki = parsed.value.export({ format: "der", type: "spki" });
    return ok({ algorithm, spki: new Uint8Array(spki) });
  }

  verify(publicKey: Uint8Array, algorithm: PushAlgorithm, message: string, signature: Uint8Array): boolean {
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES || typeof message !== "string") return false;
    const data = Buffer.from(message, "utf8");
    // A string with a lone surrogate would be signed as U+FFFD: two strings, one signature. Refuse it instead.
    if (data.toString("utf8") !== message) return false;
    const key = this.keyObject(algorithm, publicKey);
    if (!key.ok) return false;
    try {
      switch (algorithm) {
        case "ES256":
          return verifySignature("sha256", data, { key: key.value, dsaEncoding: "ieee-p1363" }, signature);
        case "Ed25519":
          return verifySignature(null, data, key.value, signature);
      }
    } catch {
      return false;
    }
  }

  private keyObject(algorithm: PushAlgorithm, publicKey: Uint8Array): Result<KeyObject, PushPublicKeyError> {
    const shape = SHAPES[algorithm] as KeyShape | undefined;
    if (shape === undefined) return problem("algorithm_mismatch", `unknown algorithm, expected ES256 or Ed25519`);
    if (!(publicKey instanceof Uint8Array) || publicKey.length === 0 || publicKey.length > MAX_KEY_BYTES) {
      return problem("malformed", `expected ${shape.name} as SPKI DER or raw ${shape.rawLength} bytes`);
    }
    const bytes = Buffer.from(publicKey);
    const raw = bytes.length === shape.rawLength && shape.rawValid(bytes);
    // A key of the right shape that does not decode is a bad point; anything else is not a key of this algorithm.
    const pointShaped =
      raw ||
      (bytes.length === shape.spkiPrefix.length + shape.rawLength && bytes.subarray(0, shape.spkiPrefix.length).equals(shape.spkiPrefix));
    let key: KeyObject;
    try {
      key = createPublicKey({ key: raw ? Buffer.concat([shape.spkiPrefix, bytes]) : bytes, format: "der", type: "spki" });
    } catch {
      return pointShaped && algorithm === "ES256"
        ? problem("invalid_point", "the P-256 public key is not a point of the curve")
        : problem("malformed", `expected ${shape.name} as SPKI DER or raw ${shape.rawLength} bytes`);
    }
    if (key.asymmetricKeyType !== shape.keyType || (shape.curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== shape.curve)) {
      return problem("algorithm_mismatch", `expected ${shape.name}, got a ${key.asymmetricKeyType ?? "unknown"} key`);
    }
    return ok(key);
  }
}
