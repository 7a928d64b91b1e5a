// The factor kinds' wire schemas, one module each, composed here (a Record over the kinds: one left out is a type error).
import { IMPLEMENTED_FACTOR_TYPES, type ImplementedFactorType } from "@mfa-chain/domain";
import { backupCodeApi } from "./backup-code.js";
import { emailApi } from "./email.js";
import { smsApi } from "./sms.js";
import { hotpApi } from "./hotp.js";
import type { ApiKind } from "./kind.js";
import type { z } from "zod";
import { pushApi } from "./push.js";
import { totpApi } from "./totp.js";
import { webauthnApi } from "./webauthn.js";

export const API_KINDS: { readonly [K in ImplementedFactorType]: ApiKind<K> } = {
  totp: totpApi,
  hotp: hotpApi,
  backup_code: backupCodeApi,
  email: emailApi,
  sms: smsApi,
  webauthn: webauthnApi,
  push: pushApi,
};

/** Each kind's schemas, in the registry's order. */
export const apiKinds = (): ApiKind<ImplementedFactorType>[] =>
  IMPLEMENTED_FACTOR_TYPES.map((t) => API_KINDS[t] as ApiKind<ImplementedFactorType>);

export { Algorithm, Digits } from "./otp.js";

/** Every kind's enrollment fields, optional (the kind's own rules decide which it needs): one shape for the body. */
export function enrollFields(): Record<string, z.ZodType> {
  const fields: Record<string, z.ZodType> = {};
  for (const kind of apiKinds()) {
    for (const [name, schema] of Object.entries(kind.enroll?.shape ?? {})) fields[name] ??= (schema as z.ZodType).optional();
  }
  return fields;
}
