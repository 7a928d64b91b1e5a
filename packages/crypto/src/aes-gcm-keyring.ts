// Factor secrets at rest: AES-256-GCM under a keyring. Each ciphertext carries the id of the key that sealed it, and
// its additional authenticated data binds it to tenant, user and credential, so a row copied elsewhere does not open.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { inspect } from "node:util";
import type { SealedSecret, SecretBinding, SecretCipher } from "@mfa-chain/application";
import { CryptoError } from "./crypto.errors.js";

/** Layout of `SealedSecret.ciphertext`: version (1 byte) ‖ nonce (12) ‖ AES-GCM ciphertext ‖ tag (16). */
const FORMAT_VERSION = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HEADER_BYTES = 1 + NONCE_BYTES;

export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;

export interface KeyringKey {
  readonly id: string;
  /** 32 raw key bytes. */
  readonly key: Uint8Array;
}

const keyringError = (message: string): CryptoError => new CryptoError("keyring_invalid", message);

/**
 * Parses `"k2:base64key,k1:base64key"`: comma-separated `id:key` pairs, the first one current (it seals new secrets),
 * the others kept to open what they sealed until a rotation has re-sealed it. Errors name key ids, never key bytes.
 */
export function parseKeyringSpec(spec: string | undefined, source = "MFA_SECRET_KEYS"): KeyringKey[] {
  const hint = `expected "${source}=id:base64key[,id:base64key…]" with 32-byte keys, the current key first`;
  if (spec === undefined || spec.trim() === "") throw keyringError(`${source} is not set or empty: ${hint}`);
  const entries = spec.split(",").map((e) => e.trim());
  const keys: KeyringKey[] = [];
  entries.forEach((entry, index) => {
    const where = `${source} entry ${index + 1}`;
    if (entry === "") throw keyringError(`${where} is empty: ${hint}`);
    const colon = entry.indexOf(":");
    if (colon < 0) throw keyringError(`${where} has no key id: ${hint}`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      throw keyringError(`${where}: the key id must be 1–32 characters of A–Z, a–z, 0–9, "_", "." or "-"`);
    }
    if (encoded === "" || !BASE64.test(encoded)) throw keyringError(`${where} (key "${id}"): the key is not base64`);
    const key = Buffer.from(encoded, encoded.includes("-") || encoded.includes("_") ? "base64url" : "base64");
    if (key.length !== KEY_BYTES) {
      key.fill(0);
      throw keyringError(`${where} (key "${id}"): the key must decode to ${KEY_BYTES} bytes for AES-256, got ${key.length}`);
    }
    const duplicate = keys.find((k) => k.id === id);
    if (duplicate) throw keyringError(`${source}: duplicate key id "${id}"`);
    const sameBytes = keys.find((k) => Buffer.compare(Buffer.from(k.key), key) === 0);
    if (sameBytes) throw keyringError(`${source}: keys "${sameBytes.id}" and "${id}" are the same key`);
    keys.push({ id, key: new Uint8Array(key) });
    key.fill(0);
  });
  return keys;
}

/** A fresh random key, base64, for `MFA_SECRET_KEYS` (an operator's helper; printing it is the caller's choice). */
export const generateKeyringKey = (): string => randomBytes(KEY_BYTES).toString("base64");

/** Unambiguous AAD: a JSON array of the format, the key id and the binding. */
function additionalData(keyId: string, binding: SecretBinding): Buffer {
  for (const field of ["tenantId", "userId", "credentialId"] as const) {
    const value = binding[field];
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`secret binding: ${field} must be a non-empty string`);
    }
  }
  return Buffer.from(JSON.stringify(["mfa-chain/secret/v1", keyId, binding.tenantId, binding.userId, binding.credentialId]), "utf8");
}

export class AesGcmKeyring implements SecretCipher {
  readonly #keys = new Map<string, KeyObject>();
  readonly currentKeyId: string;

  /** @param keys the current key first. The key bytes are copied into key objects; the caller may wipe its copies. */
  constructor(keys: readonly KeyringKey[]) {
    const first = keys[0];
    if (!first) throw keyringError("a keyring needs at least one key");
    for (const { id, key } of keys) {
      if (!KEY_ID_PATTERN.test(id)) throw keyringError(`key id "${id}" must be 1–32 characters of A–Z, a–z, 0–9, "_", "." or "-"`);
      if (this.#keys.has(id)) throw keyringError(`duplicate key id "${id}"`);
      if (key.length !== KEY_BYTES) throw keyringError(`key "${id}" must be ${KEY_BYTES} bytes for AES-256, got ${key.length}`);
      this.#keys.set(id, createSecretKey(Buffer.from(key)));
    }
    this.currentKeyId = first.id;
  }

  /** From configuration such as `MFA_SECRET_KEYS="k2:base64key,k1:base64key"`. */
  static parse(spec: string | undefined, source = "MFA_SECRET_KEYS"): AesGcmKeyring {
    const keys = parseKeyringSpec(spec, source);
    try {
      return new AesGcmKeyring(keys);
    } finally {
      for (const k of keys) (k.key as Uint8Array).fill(0);
    }
  }

  /** Every key id held, the current one first. */
  get keyIds(): readonly string[] {
    return [...this.#keys.keys()];
  }

  seal(plaintext: Uint8Array, binding: SecretBinding): SealedSecret {
    const keyId = this.currentKeyId;
    const key = this.#keys.get(keyId) as KeyObject;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId, binding));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const sealed = Buffer.concat([Buffer.of(FORMAT_VERSION), nonce, body, cipher.getAuthTag()]);
    return { keyId, ciphertext: new Uint8Array(sealed) };
  }

  open(sealed: SealedSecret, binding: SecretBinding): Uint8Array {
    const key = this.#keys.get(sealed.keyId);
    if (!key) {
      throw new CryptoError(
        "unknown_key",
        `sealed by key "${sealed.keyId}", which the keyring does not hold (it has ${this.keyIds.join(", ")})`,
      );
    }
    const data = sealed.ciphertext;
    if (data.length < HEADER_BYTES + TAG_BYTES) {
      throw new CryptoError("malformed_ciphertext", `a sealed secret is at least ${HEADER_BYTES + TAG_BYTES} bytes, got ${data.length}`);
    }
    if (data[0] !== FORMAT_VERSION) {
      throw new CryptoError("malformed_ciphertext", `unknown sealed-secret format version ${String(data[0])} (expected ${FORMAT_VERSION})`);
    }
    const nonce = data.subarray(1, HEADER_BYTES);
    const body = data.subarray(HEADER_BYTES, data.length - TAG_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(sealed.keyId, binding));
    decipher.setAuthTag(tag);
    const head = decipher.update(body);
    try {
      const tail = decipher.final();
      const plaintext = new Uint8Array(head.length + tail.length);
      plaintext.set(head, 0);
      plaintext.set(tail, head.length);
      return plaintext;
    } catch (cause) {
      throw new CryptoError(
        "authentication_failed",
        "the sealed secret did not authenticate: tampered with, or bound to another tenant, user or credential",
        { cause },
      );
    } finally {
      head.fill(0);
    }
  }

  /** True when `sealed` was sealed by a key other than the current one (a rotation should re-seal it). */
  needsReseal(sealed: SealedSecret): boolean {
    return sealed.keyId !== this.currentKeyId;
  }

  /** Opens with the key that sealed it and seals again with the current key; the plaintext is wiped afterwards. */
  reseal(sealed: SealedSecret, binding: SecretBinding): SealedSecret {
    if (!this.needsReseal(sealed)) return sealed;
    const plaintext = this.open(sealed, binding);
    try {
      return this.seal(plaintext, binding);
    } finally {
      plaintext.fill(0);
    }
  }

  /** Logs and JSON show key ids only. */
  toJSON(): { currentKeyId: string; keyIds: readonly string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }

  toString(): string {
    return `AesGcmKeyring(current=${this.currentKeyId}, keys=${this.keyIds.join(",")})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
