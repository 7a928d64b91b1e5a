// Operators' passwords (apps/admin): argon2id through @node-rs/argon2 (prebuilt binaries, no build step), in PHC form
// so the parameters travel with each hash. The defaults follow OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane).
import { hash, verify } from "@node-rs/argon2";
import type { PasswordHasher } from "@mfa-chain/application";

export interface Argon2Options {
  readonly memoryCostKiB: number;
  readonly timeCost: number;
}

export const ARGON2_DEFAULTS: Argon2Options = { memoryCostKiB: 19_456, timeCost: 2 };

export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly options: Argon2Options = ARGON2_DEFAULTS) {}

  hash(password: string): Promise<string> {
    // The library's default algorithm is argon2id (its Algorithm enum is a const enum, which isolated modules cannot read).
    return hash(password, { memoryCost: this.options.memoryCostKiB, timeCost: this.options.timeCost, parallelism: 1 });
  }

  async verify(stored: string, password: string): Promise<boolean> {
    if (!stored.startsWith("$argon2id$")) return false;
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  }
}
