// The use cases, wired to adapters. The HTTP layer sees only this.
import {
  ConfirmFactor,
  DeletePolicy,
  EnrollFactor,
  GetAttempt,
  GetLockout,
  GetPolicy,
  ListAuditEvents,
  ListFactors,
  ListPolicies,
  PolicyVersionCache,
  ResyncHotpFactor,
  RevokeFactor,
  SavePolicy,
  StartAttempt,
  UnlockUser,
  VerifyStep,
  type AuditReader,
  type Clock,
  type IdGenerator,
  type OtpProvisioner,
  type OtpVerifier,
  type SecretCipher,
  type UnitOfWork,
} from "@mfa-chain/application";
import type { RandomSource } from "@mfa-chain/domain";

export interface Adapters {
  readonly uow: UnitOfWork;
  readonly auditReader: AuditReader;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly ids: IdGenerator;
  readonly cipher: SecretCipher;
  readonly otp: OtpVerifier & OtpProvisioner;
  readonly issuer: string;
}

/** What the services of every unit of work share: the cache of policy versions (a version never changes). */
export interface SharedState {
  readonly policies: PolicyVersionCache;
}

export function buildServices(a: Adapters, shared: SharedState = { policies: new PolicyVersionCache() }) {
  const { policies } = shared;
  const base = { uow: a.uow, clock: a.clock };
  return {
    savePolicy: new SavePolicy(base),
    getPolicy: new GetPolicy(base),
    listPolicies: new ListPolicies(base),
    deletePolicy: new DeletePolicy(base),
    enrollFactor: new EnrollFactor({ ...base, ids: a.ids, cipher: a.cipher, provisioner: a.otp, issuer: a.issuer }),
    confirmFactor: new ConfirmFactor({ ...base, otp: a.otp, cipher: a.cipher }),
    listFactors: new ListFactors(base),
    revokeFactor: new RevokeFactor(base),
    resyncHotpFactor: new ResyncHotpFactor({ ...base, otp: a.otp, cipher: a.cipher }),
    startAttempt: new StartAttempt({ ...base, ids: a.ids, random: a.random }),
    getAttempt: new GetAttempt({ ...base, policies }),
    verifyStep: new VerifyStep({ ...base, random: a.random, otp: a.otp, cipher: a.cipher, policies }),
    getLockout: new GetLockout(base),
    unlockUser: new UnlockUser(base),
    listAuditEvents: new ListAuditEvents({ audit: a.auditReader }),
  };
}

export type Services = ReturnType<typeof buildServices>;
