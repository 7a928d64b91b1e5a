// What the out-of-band kinds (email, SMS) share: the destination sealed like a secret (bound to tenant, user and
// credential), shown masked; codes sent through the challenge phase and checked against the keyed hash of the current
// challenge (S14, S15, S30). A success consumes the challenge; a failure spends one of its tries.
import { OOB_MAX_TRIES, type DestinationCheck, type OobOptions } from "@mfa-chain/domain";
import type { Channel } from "../ports/delivery.port.js";
import type { StoredChallenge, StoredCredentialOf } from "../ports/repositories.port.js";
import type { ApplicationKind, CodeCheck, KindDeps } from "./kind.js";
import type { OobMaterial } from "./material.js";
import { bindingOf } from "./otp.js";

/** Shown at enrollment: where the confirmation code went, masked. */
export interface OobShown {
  readonly destination: string;
}
/** What a factor view adds: the masked destination. */
export interface OobView {
  readonly destination: string;
}

type OobType = "email" | "sms";

interface OobSpec<K extends OobType> {
  readonly type: K;
  readonly channel: Channel;
  readonly normalize: (raw: string) => DestinationCheck;
  readonly mask: (destination: string) => string;
  /** The enrollment input's field. */
  readonly field: "destination";
}

// Destinations are ASCII once normalized (the domain's syntax allows nothing else): one byte per character.
const ascii = {
  encode(text: string): Uint8Array {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7e) throw new RangeError("a normalized destination is ASCII");
      bytes[i] = c;
    }
    return bytes;
  },
  decode: (bytes: Uint8Array): string => String.fromCharCode(...bytes),
};

/** The challenge after a claim, in memory (the storage's statements do the same); null when its guard fails. */
export function applyChallengeClaim(
  ch: StoredChallenge,
  claim: { readonly kind: "challenge" | "challenge_try" | "challenge_spent" | "webauthn_assertion"; readonly codeHash?: string },
  at: number,
) {
  if (ch.consumedAt !== null) return null;
  // A refusal that is final for its challenge (WebAuthn, S21): used up, whatever its tries.
  if (claim.kind === "challenge_spent") return { ...ch, consumedAt: at, tries: ch.tries + 1 };
  if (ch.tries >= OOB_MAX_TRIES) return null;
  if (claim.kind === "challenge_try") return { ...ch, tries: ch.tries + 1 };
  if (ch.codeHash !== claim.codeHash || ch.expiresAt <= at) return null;
  return { ...ch, consumedAt: at, tries: ch.tries + 1 };
}

export function oobKind<K extends OobType>(deps: KindDeps, spec: OobSpec<K>): ApplicationKind<K, OobMaterial, OobShown, OobView> {
  const purposes = { verify: `${spec.type}_code`, enroll: `${spec.type}_enroll` };
  const hashCode = (c: { readonly tenantId: string; readonly id: string }, purpose: string, challengeId: string, code: string) =>
    deps.hasher.hash(code, [purpose, c.tenantId, c.id, challengeId]);
  return {
    type: spec.type,
    enrollsAs: "pending",
    acceptDetails(raw) {
      const value = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[spec.field] : undefined;
      if (typeof value !== "string") return { ok: false, message: `a factor of type ${spec.type} is enrolled with a ${spec.field}` };
      const checked = spec.normalize(value);
      return checked.ok ? { ok: true, value: checked.value } : { ok: false, message: `${spec.field}: ${checked.problem}` };
    },
    async provision(input) {
      const destination = input.details;
      if (typeof destination !== "string") throw new TypeError(`a ${spec.type} factor is provisioned with a normalized destination`);
      const binding = { tenantId: input.tenantId, userId: input.userId, credentialId: input.credentialId };
      const masked = spec.mask(destination);
      return {
        material: {
          destination: deps.cipher.seal(ascii.encode(destination), binding),
          masked,
          destinationKey: deps.hasher.hash(destination, [`${spec.type}_destination`, input.tenantId]),
        },
        shown: { destination: masked },
      };
    },
    check(credential, code, input): CodeCheck {
      const ch = input.challenge ?? null;
      // No code was sent for this step (or for this credential, or of this kind: S30): nothing to compare with.
      const purposeOk = ch !== null && (ch.purpose === purposes.verify || ch.purpose === purposes.enroll);
      if (
        ch === null ||
        !purposeOk ||
        ch.credentialId !== credential.id ||
        ch.tenantId !== credential.tenantId ||
        ch.userId !== credential.userId
      )
        return { ok: false, reason: "invalid_code" };
      // Used, or its tries spent: fails even when right (the 6th try), spending nothing more.
      if (ch.consumedAt !== null || ch.tries >= OOB_MAX_TRIES) return { ok: false, reason: "invalid_code" };
      const spend = { kind: "challenge_try", credentialId: credential.id, purpose: ch.purpose, challengeId: ch.id } as const;
      if (ch.expiresAt <= input.now) return { ok: false, reason: "invalid_code", claim: spend };
      if (!deps.hasher.matches(code, [ch.purpose, credential.tenantId, credential.id, ch.id], ch.codeHash))
        return { ok: false, reason: "invalid_code", claim: spend };
      return {
        ok: true,
        claim: { kind: "challenge", credentialId: credential.id, purpose: ch.purpose, challengeId: ch.id, codeHash: ch.codeHash },
      };
    },
    view: (credential) => ({ destination: credential.material.masked }),
    challenge: {
      delivery: "send",
      purposes,
      destination(credential) {
        const plain = deps.cipher.open(credential.material.destination, bindingOf(credential));
        try {
          return {
            channel: spec.channel,
            to: ascii.decode(plain),
            masked: credential.material.masked,
            destinationKey: credential.material.destinationKey,
          };
        } finally {
          plain.fill(0);
        }
      },
      codeOptions: (credential: StoredCredentialOf<K>) => {
        const p = credential.params as unknown as OobOptions;
        return { digits: p.codeDigits, ttlSeconds: p.codeTtlSeconds };
      },
      hashCode,
    },
  };
}
