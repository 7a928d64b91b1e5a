// Signatures of push devices (SPEC §3 push, S17): checks that a canonical push string (@mfa-chain/domain's
// canonicalPushMessage) was signed by a device's key. The adapter decides nothing else: which key, which string and
// what a valid signature means for the step are the application's.
import type { PushAlgorithm, Result } from "@mfa-chain/domain";

/**
 * A device's public key, normalized: the DER of its SubjectPublicKeyInfo, whatever form it came in. This is what is
 * stored and what `verify` is given afterwards.
 */
export interface PushPublicKey {
  readonly algorithm: PushAlgorithm;
  readonly spki: Uint8Array;
}

export type PushPublicKeyProblem =
  /** Neither an SPKI DER nor the raw form of the algorithm (65-byte uncompressed P-256 point, 32-byte Ed25519 key). */
  | "malformed"
  /** A well-formed key of another type or curve (RSA, P-384, Ed448 …) than the algorithm named. */
  | "algorithm_mismatch"
  /** A P-256 point not on the curve, or the point at infinity. */
  | "invalid_point";

export interface PushPublicKeyError {
  readonly code: PushPublicKeyProblem;
  readonly message: string;
}

/**
 * Signature encoding on the wire: ES256 signatures are IEEE P1363, the raw r‖s of 64 bytes (what WebCrypto's
 * `subtle.sign({ name: "ECDSA", hash: "SHA-256" })` produces); a DER (ASN.1) signature is refused. Ed25519
 * signatures are the 64 bytes of RFC 8032. The message is the UTF-8 of the canonical string.
 */
export interface PushSignatureVerifier {
  /** The normalized key, from SPKI DER or the algorithm's raw form, or why it is refused. */
  parsePublicKey(algorithm: PushAlgorithm, publicKey: Uint8Array): Result<PushPublicKey, PushPublicKeyError>;
  /**
   * Whether `signature` is a valid signature of `message` by `publicKey` (SPKI DER or raw, as parsePublicKey takes).
   * Never throws on bad input: a malformed key or signature, a signature in another encoding, or a key of another
   * algorithm is simply false.
   */
  verify(publicKey: Uint8Array, algorithm: PushAlgorithm, message: string, signature: Uint8Array): boolean;
}
