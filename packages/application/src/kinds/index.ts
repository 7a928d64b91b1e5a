// The factor kinds the use cases know, one module each, composed here. Every map is a Record over the domain's kinds,
// so a kind missing from one is a type error (docs/factor-kinds.md).
import type { ImplementedFactorType } from "@mfa-chain/domain";
import type { StepClaim, StoredCredential, StoredCredentialOf } from "../ports/repositories.port.js";
import { backupCodeKind, claimBackupCode, type BackupCodesShown } from "./backup-code.js";
import { emailKind } from "./email.js";
import { claimCounter, hotpKind } from "./hotp.js";
import type { ApplicationKind, KindDeps } from "./kind.js";
import type { KindMaterial } from "./material.js";
import type { OtpShown } from "./otp.js";
import type { OobShown, OobView } from "./out-of-band.js";
import { pushKind, type PushShown, type PushView } from "./push.js";
import { smsKind } from "./sms.js";
import { claimTimeStep, totpKind } from "./totp.js";
import { claimSignCount, webauthnKind, type WebAuthnShown, type WebAuthnView } from "./webauthn.js";

/** What each kind's enrollment shows (once), and what a view of it adds. */
export interface KindShown {
  totp: OtpShown;
  hotp: OtpShown;
  backup_code: BackupCodesShown;
  email: OobShown;
  sms: OobShown;
  webauthn: WebAuthnShown;
  push: PushShown;
}
export interface KindView {
  totp: Record<never, never>;
  hotp: Record<never, never>;
  backup_code: { readonly remaining: number };
  email: OobView;
  sms: OobView;
  webauthn: WebAuthnView;
  push: PushView;
}

export type AnyKind = ApplicationKind<ImplementedFactorType, unknown, unknown, object>;
export type Kinds = { readonly [K in ImplementedFactorType]: ApplicationKind<K, KindMaterial[K], KindShown[K], KindView[K]> };

export function createKinds(deps: KindDeps): Kinds {
  return {
    totp: totpKind(deps),
    hotp: hotpKind(deps),
    backup_code: backupCodeKind(deps),
    email: emailKind(deps),
    sms: smsKind(deps),
    webauthn: webauthnKind(deps),
    push: pushKind(deps),
  };
}

/** The kind of a credential or factor, typed loosely enough to be called with it (the type guarantees the match). */
export const kindFor = (kinds: Kinds, type: ImplementedFactorType): AnyKind => kinds[type] as unknown as AnyKind;

type ClaimOf<C extends StepClaim["kind"]> = Extract<StepClaim, { kind: C }>;

/** Which kind each claim is made on, and what it does to that kind's material in memory (null: its guard fails). */
const MATERIAL_CLAIMS: {
  readonly [C in StepClaim["kind"]]: {
    readonly on: readonly ImplementedFactorType[];
    apply(credential: StoredCredential, claim: ClaimOf<C>): StoredCredential | null;
  };
} = {
  time_step: { on: ["totp"], apply: (c, claim) => withMaterial(c, claimTimeStep((c as StoredCredentialOf<"totp">).material, claim.step)) },
  counter: {
    on: ["hotp"],
    apply: (c, claim) => withMaterial(c, claimCounter((c as StoredCredentialOf<"hotp">).material, claim.expected, claim.next)),
  },
  backup_code: {
    on: ["backup_code"],
    apply: (c, claim) => withMaterial(c, claimBackupCode((c as StoredCredentialOf<"backup_code">).material, claim.codeHash)),
  },
  // A sent code's challenge lives beside the credential, not in its material: the credential is unchanged, and the
  // challenge store applies the claim (applyChallengeClaim) under the same guard.
  challenge: { on: ["email", "sms", "push", "webauthn"], apply: (c) => c },
  challenge_try: { on: ["email", "sms"], apply: (c) => c },
  // A WebAuthn refusal uses its challenge up (S21); a success consumes it and moves the sign counter (S23). A push
  // failure (wrong number, deny, not me) uses its challenge up whenever it is verified (its failure counted once).
  challenge_spent: { on: ["webauthn", "push"], apply: (c) => c },
  webauthn_assertion: {
    on: ["webauthn"],
    apply: (c, claim) =>
      withMaterial(c, claimSignCount((c as StoredCredentialOf<"webauthn">).material, claim.expectedSignCount, claim.newSignCount)),
  },
};

/**
 * The kinds whose steps are answered against a one-time challenge of the step (a sent code, a WebAuthn challenge, a
 * push): those a claim on a challenge is made on. A step read needs to look that challenge up only for these kinds.
 */
export const STEP_CHALLENGE_KINDS: readonly ImplementedFactorType[] = [
  ...new Set((["challenge", "challenge_try", "challenge_spent"] as const).flatMap((claim) => MATERIAL_CLAIMS[claim].on)),
];

/**
 * A kind's uniqueness rule on material, per tenant (a WebAuthn credential id, S24): the key two credentials may not
 * share, or null. The in-memory store enforces it as the database's unique constraint does.
 */
const MATERIAL_KEYS: { readonly [K in ImplementedFactorType]: ((m: KindMaterial[K]) => string | null) | null } = {
  totp: null,
  hotp: null,
  backup_code: null,
  email: null,
  sms: null,
  push: null,
  webauthn: (m) => m.registered?.credentialId ?? null,
};

export function materialKeyOf(credential: StoredCredential): string | null {
  const rule = MATERIAL_KEYS[credential.params.type] as ((m: unknown) => string | null) | null;
  const k = rule ? rule(credential.material) : null;
  return k === null ? null : `${credential.params.type}:${k}`;
}

const withMaterial = (c: StoredCredential, material: unknown): StoredCredential | null =>
  material === null ? null : ({ ...c, material } as StoredCredential);

/**
 * A claim made in memory (the in-memory store of the tests, the orchestrator library): the credential after it, or null
 * when the credential is not active, not of the claim's kind, or the claim's guard does not hold. The PostgreSQL
 * adapter's statements do the same in SQL; the storage contract tests hold both to it.
 */
export function applyClaim(credential: StoredCredential, claim: StepClaim): StoredCredential | null {
  const rule = MATERIAL_CLAIMS[claim.kind] as {
    on: readonly ImplementedFactorType[];
    apply(c: StoredCredential, claim: StepClaim): StoredCredential | null;
  };
  // A try is spent on a pending credential too (a wrong confirmation code); every other claim needs it active.
  const live =
    credential.status === "active" ||
    ((claim.kind === "challenge_try" || claim.kind === "challenge_spent") && credential.status === "pending");
  if (!live || credential.id !== claim.credentialId || !rule.on.includes(credential.params.type)) return null;
  return rule.apply(credential, claim);
}

export type {
  AnsweredChallenge,
  ApplicationKind,
  ChallengeDestination,
  ChallengePurposes,
  CheckInput,
  CodeCheck,
  AnswerChallengeInput,
  IssuedChallenge,
  KindChallenge,
  KindDeps,
  PrepareInput,
  ProvisionInput,
  SentCodeChallenge,
} from "./kind.js";
export { fromBase64Url, toBase64Url, WEBAUTHN_PURPOSES, type WebAuthnShown, type WebAuthnView } from "./webauthn.js";
export { applyChallengeClaim, type OobShown, type OobView } from "./out-of-band.js";
export type { OtpShown } from "./otp.js";
export {
  PUSH_PURPOSES,
  PUSH_VERIFY_GRACE_MS,
  enrollmentTokenHash,
  pushEnrollmentTokenExpiresAt,
  pushOptionsOf,
  type PushKindDeps,
  type PushShown,
  type PushView,
} from "./push.js";
export type { BackupCodeMaterial, HotpMaterial, KindMaterial, OobMaterial, TotpMaterial, WebAuthnMaterial } from "./material.js";
export { PUSH_MATERIAL_CHALLENGES, type PushChallengeState, type PushDeviceKey, type PushMaterial } from "./material.js";
export type { BackupCodesShown } from "./backup-code.js";
