// A FAKE SecretCipher for unit tests: reversible and NOT secure (XOR with a keystream mixed from the key id and the
// binding, plus a 32-bit check tag). It keeps the port's observable rules: a ciphertext opens only with the binding
// (tenant, user, credential) and key it was sealed with, tampering is refused, and the stored bytes never equal the
// plaintext (every keystream byte is non-zero, so every byte changes). Never wire it outside tests.
import type { SealedSecret, SecretBinding, SecretCipher } from "../../index.js";

export class FakeCipherError extends Error {
  override readonly name = "FakeCipherError";
}

const MAGIC = [0x46, 0x43] as const; // "FC"
const HEADER = MAGIC.length + 4;

function hashString(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  // A separator, so ("ab", "c") and ("a", "bc") differ.
  return Math.imul(h ^ 0xff, 0x01000193) >>> 0;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const bindingHash = (keyId: string, b: SecretBinding): number =>
  [keyId, b.tenantId, b.userId, b.credentialId].reduce(hashString, 0x811c9dc5);

function keystreamByte(seed: number, i: number): number {
  return 1 + (mix(seed ^ Math.imul(i + 1, 0x9e3779b1)) % 255); // 1…255, never 0
}

function tagOf(seed: number, plaintext: Uint8Array): number {
  let h = seed;
  for (const b of plaintext) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return mix(h ^ plaintext.length);
}

export interface FakeCipherOptions {
  /** The key new seals use (default "fake-key-1"). */
  readonly keyId?: string;
  /** Older keys that can still open what they sealed. */
  readonly retiredKeyIds?: readonly string[];
}

export class FakeCipher implements SecretCipher {
  private current: string;
  private readonly keys: Set<string>;
  /** Bindings of every seal and every open, oldest first: for assertions such as "the secret was never opened". */
  readonly sealed: SecretBinding[] = [];
  readonly opened: SecretBinding[] = [];

  constructor(options: FakeCipherOptions = {}) {
    this.current = options.keyId ?? "fake-key-1";
    this.keys = new Set([this.current, ...(options.retiredKeyIds ?? [])]);
  }

  get currentKeyId(): string {
    return this.current;
  }

  /** Starts sealing under a new key; the old ones still open. */
  rotate(keyId: string): void {
    this.keys.add(keyId);
    this.current = keyId;
  }

  seal(plaintext: Uint8Array, binding: SecretBinding): SealedSecret {
    const seed = bindingHash(this.current, binding);
    const out = new Uint8Array(HEADER + plaintext.length);
    out.set(MAGIC, 0);
    const tag = tagOf(seed, plaintext);
    out.set([tag >>> 24, (tag >>> 16) & 0xff, (tag >>> 8) & 0xff, tag & 0xff], MAGIC.length);
    plaintext.forEach((b, i) => (out[HEADER + i] = b ^ keystreamByte(seed, i)));
    this.sealed.push({ ...binding });
    return { keyId: this.current, ciphertext: out };
  }

  /** A fresh array each time (callers zero it after use). Throws on another binding, another key, or tampering. */
  open(sealed: SealedSecret, binding: SecretBinding): Uint8Array {
    this.opened.push({ ...binding });
    if (!this.keys.has(sealed.keyId)) throw new FakeCipherError(`cannot open: unknown key id ${JSON.stringify(sealed.keyId)}`);
    const c = sealed.ciphertext;
    if (c.length < HEADER || c[0] !== MAGIC[0] || c[1] !== MAGIC[1]) throw new FakeCipherError("cannot open: not a FakeCipher ciphertext");
    const seed = bindingHash(sealed.keyId, binding);
    const plaintext = Uint8Array.from(c.subarray(HEADER), (b, i) => b ^ keystreamByte(seed, i));
    const tag = (((c[2] as number) << 24) | ((c[3] as number) << 16) | ((c[4] as number) << 8) | (c[5] as number)) >>> 0;
    if (tag !== tagOf(seed, plaintext)) {
      plaintext.fill(0);
      throw new FakeCipherError("cannot open: tampered with, or bound to another tenant, user or credential");
    }
    return plaintext;
  }

  /** Throws if any secret was opened since construction or the last `clear`. */
  assertNotOpened(): void {
    if (this.opened.length > 0) {
      throw new FakeCipherError(
        `expected no secret to be opened, saw ${this.opened.length}: ${this.opened.map((b) => b.credentialId).join(", ")}`,
      );
    }
  }

  clear(): void {
    this.sealed.length = 0;
    this.opened.length = 0;
  }
}
