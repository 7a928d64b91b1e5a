// S9 at rest: after credentials are stored with sealed secrets, a dump of the whole database holds none of the seeds
// in any usual spelling (raw bytes, hex, base32, base64), and a ciphertext copied onto another credential's row does
// not open there. Run it wherever a real cipher meets real storage.
import type { SealedSecret, SecretCipher, UnitOfWork } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { SeededRandom } from "@mfa-chain/domain/testing";
import { freshTenant, materialOf, sampleCredential } from "./storage-fixture.js";

export interface SecretsAtRestUnderTest {
  readonly uow: UnitOfWork;
  readonly cipher: SecretCipher;
  /** The whole database as a backup tool would write it (e.g. a plain pg_dump). */
  dump(): Promise<Uint8Array>;
  /** Copies one credential's stored key id and ciphertext onto another credential's row, bypassing the repository. */
  copySecret(tenantId: string, fromCredentialId: string, toCredentialId: string): Promise<void>;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32.charAt((value << (5 - bits)) & 31);
  return out;
}

function base64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    out += BASE64.charAt((n >>> 18) & 63) + BASE64.charAt((n >>> 12) & 63);
    out += i + 1 < bytes.length ? BASE64.charAt((n >>> 6) & 63) : "";
    out += i + 2 < bytes.length ? BASE64.charAt(n & 63) : "";
  }
  return out;
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Every spelling of a seed a careless storage layer might leave in a dump (lower/upper hex, base32, base64). */
export function seedSpellings(seed: Uint8Array): Record<string, Uint8Array> {
  const b32 = base32(seed);
  return {
    raw: seed,
    hex: ascii(hex(seed)),
    HEX: ascii(hex(seed).toUpperCase()),
    base32: ascii(b32),
    base32lower: ascii(b32.toLowerCase()),
    base64: ascii(base64(seed)),
  };
}

export function describeSecretsAtRestContract(name: string, make: () => SecretsAtRestUnderTest): void {
  describe(`secrets at rest (S9): ${name}`, () => {
    it("S9 a dump of the database holds no seed in plain text: no raw bytes, hex, base32 or base64", async () => {
      const { uow, cipher, dump } = make();
      const t = freshTenant();
      const random = new SeededRandom(0x59);
      // 160-bit seeds, as an authenticator gets; the seeded source only makes them distinct and reproducible.
      const seeds = Array.from({ length: 8 }, () => Uint8Array.from({ length: 20 }, () => random.nextInt(256)));
      await uow.run(async (r) => {
        for (const [i, seed] of seeds.entries()) {
          const id = `s9-${i}`;
          const secret = cipher.seal(seed, { tenantId: t, userId: "alice", credentialId: id });
          await r.credentials.insert(sampleCredential(t, id, { factorId: `token_${i}`, secret }));
        }
      });
      const dumped = await dump();
      // The dump is real: it holds the rows just written (their ids), so an empty dump cannot pass.
      expect(contains(dumped, ascii("s9-7"))).toBe(true);
      for (const [i, seed] of seeds.entries()) {
        for (const [spelling, needle] of Object.entries(seedSpellings(seed))) {
          expect(contains(dumped, needle), `seed ${i} appears in the dump as ${spelling}`).toBe(false);
        }
      }
      // And each stored secret still opens with its own binding.
      const stored = await uow.run((r) => r.credentials.findById(t, "alice", "s9-3"));
      expect(
        stored && cipher.open(materialOf(stored)?.secret as SealedSecret, { tenantId: t, userId: "alice", credentialId: "s9-3" }),
      ).toEqual(seeds[3]);
    });

    it("S9 a ciphertext copied onto another credential's row does not open there", async () => {
      const { uow, cipher, copySecret } = make();
      const t = freshTenant();
      const seed = Uint8Array.from({ length: 20 }, (_, i) => i * 7 + 1);
      const bind = (id: string, userId = "alice") => ({ tenantId: t, userId, credentialId: id });
      await uow.run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "victim", { secret: cipher.seal(seed, bind("victim")) }));
        await r.credentials.insert(
          sampleCredential(t, "attacker", { userId: "mallory", secret: cipher.seal(new Uint8Array(20), bind("attacker", "mallory")) }),
        );
        await r.credentials.insert(
          sampleCredential(t, "other-slot", { factorId: "token_2", secret: cipher.seal(new Uint8Array(20), bind("other-slot")) }),
        );
      });
      await copySecret(t, "victim", "attacker");
      await copySecret(t, "victim", "other-slot");
      const [attacker, otherSlot] = await uow.run(async (r) => [
        await r.credentials.findById(t, "mallory", "attacker"),
        await r.credentials.findById(t, "alice", "other-slot"),
      ]);
      expect(materialOf(attacker)?.secret?.ciphertext).toEqual(
        materialOf(await uow.run((r) => r.credentials.findById(t, "alice", "victim")))?.secret?.ciphertext,
      );
      expect(() => cipher.open(materialOf(attacker)?.secret as SealedSecret, bind("attacker", "mallory"))).toThrow();
      expect(() => cipher.open(materialOf(otherSlot)?.secret as SealedSecret, bind("other-slot"))).toThrow();
    });
  });
}
