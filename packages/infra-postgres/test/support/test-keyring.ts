// A SecretCipher for storage tests: real AES-256-GCM with the key id beside each ciphertext and the binding in the AAD,
// the same construction as @mfa-chain/crypto's AesGcmKeyring — which this package may not import (an adapter never
// depends on another adapter; `pnpm check:boundaries`). The keyring itself is tested in packages/crypto.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SealedSecret, SecretBinding, SecretCipher } from "@mfa-chain/application";

export class TestKeyring implements SecretCipher {
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly currentKeyId: string,
  ) {
    if (!keys.has(currentKeyId)) throw new Error(`no key ${currentKeyId}`);
  }

  static withKeys(...ids: string[]): TestKeyring {
    return new TestKeyring(new Map(ids.map((id) => [id, randomBytes(32)])), ids[0] as string);
  }

  /** The same keys with another one current (a rotation). */
  rotatedTo(id: string): TestKeyring {
    const keys = new Map(this.keys);
    if (!keys.has(id)) keys.set(id, randomBytes(32));
    return new TestKeyring(keys, id);
  }

  /** Only the given key (an old one retired). */
  only(id: string): TestKeyring {
    return new TestKeyring(new Map([[id, this.key(id)]]), id);
  }

  seal(plaintext: Uint8Array, binding: SecretBinding): SealedSecret {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key(this.currentKeyId), nonce);
    cipher.setAAD(aad(this.currentKeyId, binding));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: this.currentKeyId, ciphertext: new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()])) };
  }

  open(sealed: SealedSecret, binding: SecretBinding): Uint8Array {
    const data = Buffer.from(sealed.ciphertext);
    const decipher = createDecipheriv("aes-256-gcm", this.key(sealed.keyId), data.subarray(0, 12));
    decipher.setAAD(aad(sealed.keyId, binding));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return new Uint8Array(Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]));
  }

  private key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new Error(`unknown key id "${id}"`);
    return key;
  }
}

const aad = (keyId: string, b: SecretBinding): Buffer => Buffer.from(JSON.stringify([keyId, b.tenantId, b.userId, b.credentialId]));
