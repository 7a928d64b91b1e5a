// The factor kinds' storage, one module each, composed here: a Record over the kinds (and one over the claims), so a
// kind or claim left out is a type error. The credentials repository and the verify path read and write material and
// claims only through these maps (docs/factor-kinds.md).
import type { StepClaim } from "@mfa-chain/application";
import type { ImplementedFactorType } from "@mfa-chain/domain";
import { sql, type RawBuilder } from "kysely";
import { backupCodeClaim, backupCodeStorage } from "./backup-code.js";
import { hotpStorage } from "./hotp.js";
import { READ_CREDENTIAL_ROW, type MaterialRead, type StorageClaim, type StorageKind } from "./kind.js";
import { counterClaim, timeStepClaim } from "./otp.js";
import { challengeClaim, challengeTryClaim, emailStorage, smsStorage } from "./out-of-band.js";
import { pushStorage } from "./push.js";
import { totpStorage } from "./totp.js";
import { challengeSpentClaim, webauthnAssertionClaim, webauthnStorage } from "./webauthn.js";

export const STORAGE_KINDS: { readonly [K in ImplementedFactorType]: StorageKind<K> } = {
  totp: totpStorage,
  hotp: hotpStorage,
  backup_code: backupCodeStorage,
  email: emailStorage,
  sms: smsStorage,
  webauthn: webauthnStorage,
  push: pushStorage,
};

export const STORAGE_CLAIMS: { readonly [C in StepClaim["kind"]]: StorageClaim<C> } = {
  time_step: timeStepClaim,
  counter: counterClaim,
  backup_code: backupCodeClaim,
  challenge: challengeClaim,
  challenge_try: challengeTryClaim,
  challenge_spent: challengeSpentClaim,
  webauthn_assertion: webauthnAssertionClaim,
};

/** A kind's storage, typed loosely enough to be called with a credential of that kind. */
export const storageOf = (type: ImplementedFactorType): StorageKind<ImplementedFactorType> =>
  STORAGE_KINDS[type] as unknown as StorageKind<ImplementedFactorType>;

/** A claim's storage, typed loosely enough to be called with a claim of that kind. */
export const claimStorageOf = (kind: StepClaim["kind"]): StorageClaim<StepClaim["kind"]> =>
  STORAGE_CLAIMS[kind] as unknown as StorageClaim<StepClaim["kind"]>;

/**
 * The material of a credential whatever its kind: each kind's expression, of which the database runs only the one its
 * type selects. By default the credentials row aliased `cr`. With `only`, that kind's expression alone (null for a
 * credential of another kind): PostgreSQL still sets up, locks and tears down every subquery of the expression at each
 * execution, run or not, so a statement that knows the kind does a seventh of that work (the verify path's read).
 */
export function materialOf(
  tenantId: string,
  read: MaterialRead = READ_CREDENTIAL_ROW,
  only: ImplementedFactorType | null = null,
): RawBuilder<unknown> {
  const types = only === null ? (Object.keys(STORAGE_KINDS) as ImplementedFactorType[]) : [only];
  const cases = types.map((type) => sql`when ${sql.lit(type)} then ${STORAGE_KINDS[type].material(tenantId, read)}`);
  return sql<unknown>`case ${sql.ref(read.column("type"))} ${sql.join(cases, sql` `)} end`;
}

export { CREDENTIAL_ALIAS } from "./kind.js";
export type { MaterialRead, StorageClaim, StorageKind } from "./kind.js";
