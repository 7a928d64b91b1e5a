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
  type Kinds,
  type UnitOfWork,
} from "@mfa-chain/application";
import type { RandomSource } from "@mfa-chain/domain";

export interface Adapters {
  readonly uow: UnitOfWork;
  readonly auditReader: AuditReader;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly ids: IdGenerator;
  /** The factor kinds, composed over the OTP engine, the keyring and the code hasher (createKinds). */
  readonly kinds: Kinds;
}

/** What the services of every unit of work share: the cache of policy versions (a version never changes). */
export interface SharedState {
  readonly policies: PolicyVersionCache;
}

export function buildServices(a: Adapters, shared: SharedState = { policies: new PolicyVersionCache() }) {
  const { policies } = shared;
  const base = { uow: a.uow, clock: a.clock };
  const { kinds } = a;
  return {
    savePolicy: new SavePolicy(base),
    getPolicy: new GetPolicy(base),
    listPolicies: new ListPolicies(base),
    deletePolicy: new DeletePolicy(base),
    enrollFactor: new EnrollFactor({ ...base, ids: a.ids, kinds }),
    confirmFactor: new ConfirmFactor({ ...base, kinds }),
    listFactors: new ListFactors({ ...base, kinds }),
    revokeFactor: new RevokeFactor({ ...base, kinds }),
    resyncHotpFactor: new ResyncHotpFactor({ ...base, kinds }),
    startAttempt: new StartAttempt({ ...base, ids: a.ids, random: a.random }),
    getAttempt: new GetAttempt({ ...base, policies }),
    verifyStep: new VerifyStep({ ...base, random: a.random, kinds, policies }),
    getLockout: new GetLockout(base),
    unlockUser: new UnlockUser(base),
    listAuditEvents: new ListAuditEvents({ audit: a.auditReader }),
  };
}

export type Services = ReturnType<typeof buildServices>;
