// The factor kinds mfa-chain knows, and the policy factor: a slot of a policy, of one implemented kind (kinds/).
import { isImplementedFactorType, KINDS, type DomainKind, type ImplementedFactorType, type OptionsOf } from "../kinds/index.js";

/** Every kind a policy may name: the implemented ones (kinds/) and those still to come. */
export const FACTOR_TYPES = ["totp", "hotp", "email", "sms", "push", "webauthn", "backup_code"] as const;
export type FactorType = (typeof FACTOR_TYPES)[number];

interface FactorBase {
  readonly id: string;
  readonly label: string;
}

export type FactorOf<K extends ImplementedFactorType> = FactorBase & { readonly type: K; readonly options: OptionsOf<K> };
export type PolicyFactor = { [K in ImplementedFactorType]: FactorOf<K> }[ImplementedFactorType];
export type TotpFactor = FactorOf<"totp">;
export type HotpFactor = FactorOf<"hotp">;

/** What a client may see of a factor: never its options' secrets (there are none here) nor future steps. */
export interface FactorView {
  readonly id: string;
  readonly label: string;
  readonly type: FactorType;
}

export const viewOf = (factor: PolicyFactor): FactorView => ({ id: factor.id, label: factor.label, type: factor.type });

/** The factor's kind module, typed loosely enough to be called with the factor's own options. */
export const kindOfFactor = (factor: PolicyFactor): DomainKind<ImplementedFactorType, object, { readonly type: ImplementedFactorType }> =>
  KINDS[factor.type] as DomainKind<ImplementedFactorType, object, { readonly type: ImplementedFactorType }>;

/** Whether `code` has the shape the factor's kind accepts (decided before any secret is touched). */
export const isWellFormedFor = (factor: PolicyFactor, code: string): boolean => kindOfFactor(factor).isWellFormed(code, factor.options);

export { isImplementedFactorType };
