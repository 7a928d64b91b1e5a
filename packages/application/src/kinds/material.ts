// What each factor kind keeps beside a credential's common part: its material and state. A leaf module (the storage
// ports name these types, and the kind modules build on the ports), so that no import cycle runs through the kinds.
import type { SealedSecret } from "../ports/secret-cipher.port.js";

export interface TotpMaterial {
  readonly secret: SealedSecret;
  /** The last accepted time step; codes of this step or earlier are replays. Null before the first use. */
  readonly lastTimeStep: number | null;
}

export interface HotpMaterial {
  readonly secret: SealedSecret;
  /** The next counter expected. */
  readonly counter: number;
}

export interface BackupCodeMaterial {
  /** The keyed hashes of the set's unused codes (on insert: all of them). */
  readonly codeHashes: readonly string[];
}

/** Email and SMS: where codes go, sealed (bound to tenant, user and credential), and its masked form for display. */
export interface OobMaterial {
  readonly destination: SealedSecret;
  /** `a***@example.com`, `+44******789`: what logs, audit and answers show. */
  readonly masked: string;
  /** The destination's keyed hash: send limits per destination count by it. */
  readonly destinationKey: string;
}

/** Each kind's material, by kind: a Record over the kinds (one left out is a type error where it is used). */
export interface KindMaterial {
  totp: TotpMaterial;
  hotp: HotpMaterial;
  backup_code: BackupCodeMaterial;
  email: OobMaterial;
  sms: OobMaterial;
}
