// Opaque identifiers: 192 random bits from the CSPRNG, base64url (32 characters), unguessable and URL-safe.
import { randomBytes } from "node:crypto";
import type { IdGenerator } from "@mfa-chain/application";

export class RandomIdGenerator implements IdGenerator {
  /** @param bytes random bytes per id; at least 16 (128 bits). */
  constructor(private readonly bytes = 24) {
    if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError(`an id needs at least 16 random bytes, got ${bytes}`);
  }

  newId(): string {
    return randomBytes(this.bytes).toString("base64url");
  }
}
