// The factor kinds' wire schemas, one module each, composed here (a Record over the kinds: one left out is a type error).
import { IMPLEMENTED_FACTOR_TYPES, type ImplementedFactorType } from "@mfa-chain/domain";
import { backupCodeApi } from "./backup-code.js";
import { hotpApi } from "./hotp.js";
import type { ApiKind } from "./kind.js";
import { totpApi } from "./totp.js";

export const API_KINDS: { readonly [K in ImplementedFactorType]: ApiKind<K> } = {
  totp: totpApi,
  hotp: hotpApi,
  backup_code: backupCodeApi,
};

/** Each kind's schemas, in the registry's order. */
export const apiKinds = (): ApiKind<ImplementedFactorType>[] =>
  IMPLEMENTED_FACTOR_TYPES.map((t) => API_KINDS[t] as ApiKind<ImplementedFactorType>);

export { Algorithm, Digits } from "./otp.js";
