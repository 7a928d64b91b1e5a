// The factor kinds mfa-chain can verify, one module each. Adding a kind: a module here, one in the application's and
// the storage's kinds/ folders, and the API's schema entry (docs/factor-kinds.md). Every map below is a Record over
// the kinds, so a kind left out of one is a type error.
import { backupCode, type BackupCodeOptions, type BackupCodeParams } from "./backup-code.js";
import { email, type EmailOptions, type EmailParams } from "./email.js";
import { hotp, type HotpOptions, type HotpParams } from "./hotp.js";
import type { DomainKind } from "./kind.js";
import { push, type PushOptions, type PushParams } from "./push.js";
import { sms, type SmsOptions, type SmsParams } from "./sms.js";
import { totp, type TotpOptions, type TotpParams } from "./totp.js";
import { webauthn, type WebAuthnOptions, type WebAuthnParams } from "./webauthn.js";

/** Each kind's options (in a policy) and params (of a credential). */
export interface KindTypes {
  totp: { options: TotpOptions; params: TotpParams };
  hotp: { options: HotpOptions; params: HotpParams };
  backup_code: { options: BackupCodeOptions; params: BackupCodeParams };
  email: { options: EmailOptions; params: EmailParams };
  sms: { options: SmsOptions; params: SmsParams };
  webauthn: { options: WebAuthnOptions; params: WebAuthnParams };
  push: { options: PushOptions; params: PushParams };
}

export type ImplementedFactorType = keyof KindTypes;
export type OptionsOf<K extends ImplementedFactorType> = KindTypes[K]["options"];
export type ParamsOf<K extends ImplementedFactorType> = KindTypes[K]["params"];

export const KINDS: { readonly [K in ImplementedFactorType]: DomainKind<K, OptionsOf<K>, ParamsOf<K>> } = {
  totp,
  hotp,
  backup_code: backupCode,
  email,
  sms,
  webauthn,
  push,
};

export const IMPLEMENTED_FACTOR_TYPES = Object.keys(KINDS) as readonly ImplementedFactorType[];

export const isImplementedFactorType = (type: unknown): type is ImplementedFactorType =>
  typeof type === "string" && Object.hasOwn(KINDS, type);

/** A kind's module, typed for that kind. */
export const kindOf = <K extends ImplementedFactorType>(type: K): DomainKind<K, OptionsOf<K>, ParamsOf<K>> =>
  KINDS[type] as DomainKind<K, OptionsOf<K>, ParamsOf<K>>;

export * from "./kind.js";
export * from "./otp.js";
export * from "./totp.js";
export * from "./hotp.js";
export * from "./backup-code.js";
export * from "./out-of-band.js";
export * from "./email.js";
export * from "./sms.js";
export * from "./webauthn.js";
export * from "./push.js";
