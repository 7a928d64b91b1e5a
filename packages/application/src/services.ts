// The use cases, wired to their ports: the one wiring that the API (apps/api) and the test kit (TestApp) both use.
import type { AuditReader, UnitOfWork } from "./ports/repositories.port.js";
import type { ApiKeyMinter } from "./ports/api-key-minter.port.js";
import type { Clock } from "./ports/clock.port.js";
import type { IdGenerator } from "./ports/id-generator.port.js";
import { DEFAULT_SEND_LIMITS, type RandomSource, type SendLimits } from "@mfa-chain/domain";
import type { MessageDelivery } from "./ports/delivery.port.js";
import { IssueChallenge } from "./attempts/issue-challenge.use-case.js";
import { GetRelyingParty, SetRelyingParty } from "./webauthn/relying-party.use-case.js";
import type { OtpGenerator } from "./ports/otp.port.js";
import type { SecretCipher } from "./ports/secret-cipher.port.js";
import type { Kinds } from "./kinds/index.js";
import { PolicyVersionCache } from "./shared/policy-versions.js";
import { DeletePolicy, GetPolicy, ListPolicies } from "./policies/read-policies.use-case.js";
import { ListPolicyVersions, PreviewChain } from "./policies/policy-history.use-case.js";
import { SavePolicy } from "./policies/save-policy.use-case.js";
import { EnrollFactor } from "./factors/enroll-factor.use-case.js";
import { ConfirmFactor } from "./factors/confirm-factor.use-case.js";
import { ListFactors, RevokeFactor } from "./factors/manage-factors.use-case.js";
import { ResyncHotpFactor } from "./factors/resync-hotp.use-case.js";
import { StartAttempt } from "./attempts/start-attempt.use-case.js";
import { GetAttempt } from "./attempts/get-attempt.use-case.js";
import { VerifyStep } from "./attempts/verify-step.use-case.js";
import { GetLockout, UnlockUser } from "./lockout/lockout.use-case.js";
import { ListAuditEvents } from "./audit/list-audit-events.use-case.js";
import { CreateTenant, IssueApiKey, ResolveApiKey, RevokeApiKey } from "./tenants/tenants.use-case.js";
import {
  AddVaultEntry,
  DeleteVaultEntry,
  GetVaultEntry,
  GrantVaultAccess,
  ListVaultEntries,
  ListVaultGroups,
  ReadVaultCode,
  RevokeVaultAccess,
  SetVaultGroup,
} from "./vault/vault.use-case.js";
import { createEnforcementServices } from "./enforcement/index.js";
import { UNKNOWN_LOCATIONS, type LocationSource } from "./ports/enforcement.port.js";
import type { KeyedHasher } from "./ports/keyed-hasher.port.js";
import type { PushSignatureVerifier } from "./ports/push-signature.port.js";
import { createPushServices, NO_PUSH_VERIFIER } from "./push/push-device.use-case.js";
import { NO_KICK, type NotificationKick } from "./notifications/notifications.js";
import { createRecoveryServices } from "./recovery/recovery.use-case.js";

export interface ServiceAdapters {
  readonly uow: UnitOfWork;
  readonly auditReader: AuditReader;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly ids: IdGenerator;
  /** The factor kinds, composed over the OTP engine, the keyring and the code hasher (createKinds). */
  readonly kinds: Kinds;
  readonly keys: ApiKeyMinter;
  /** Seals the shared vault's seeds (the keyring), bound to tenant and entry. */
  readonly cipher: SecretCipher;
  /** Makes the shared vault's codes. */
  readonly generator: OtpGenerator;
  /** Hands codes (email, SMS) to their providers. */
  readonly delivery: MessageDelivery;
  /** Limits on sending codes (S16); DEFAULT_SEND_LIMITS when absent. */
  readonly sendLimits?: SendLimits;
  /** Hashes remembered-device tokens (the code hasher's key), bound to tenant and user. */
  readonly hasher: KeyedHasher;
  /** Where an IP address is (GEOIP_DATABASE); UNKNOWN_LOCATIONS when absent: location then never prompts. */
  readonly locations?: LocationSource;
  /** Verifies push devices' signatures (issue 13); absent, every device request is refused. */
  readonly pushVerifier?: PushSignatureVerifier;
  /** Starts sending queued notifications once a use case committed (a NotificationDispatcher); none when absent. */
  readonly notify?: NotificationKick;
}

/** What the services of every unit of work share: the cache of policy versions (a version never changes). */
export interface SharedState {
  readonly policies: PolicyVersionCache;
}

export function createServices(a: ServiceAdapters, shared: SharedState = { policies: new PolicyVersionCache() }) {
  const { policies } = shared;
  const { uow, clock, ids, kinds } = a;
  const notify = a.notify ?? NO_KICK;
  const base = { uow, clock };
  const tenants = { uow, clock, ids, keys: a.keys };
  const vault = { uow, clock, ids, cipher: a.cipher, generator: a.generator };
  const sender = { delivery: a.delivery, random: a.random, ids, limits: a.sendLimits ?? DEFAULT_SEND_LIMITS };
  return {
    savePolicy: new SavePolicy(base),
    getPolicy: new GetPolicy(base),
    listPolicies: new ListPolicies(base),
    listPolicyVersions: new ListPolicyVersions(base),
    previewChain: new PreviewChain({ ...base, random: a.random, kinds }),
    deletePolicy: new DeletePolicy(base),
    enrollFactor: new EnrollFactor({ ...base, ids, kinds, sender, notify }),
    confirmFactor: new ConfirmFactor({ ...base, kinds, notify }),
    listFactors: new ListFactors({ ...base, kinds }),
    revokeFactor: new RevokeFactor({ ...base, kinds, notify }),
    resyncHotpFactor: new ResyncHotpFactor({ ...base, kinds }),
    startAttempt: new StartAttempt({ ...base, ids, random: a.random, kinds }),
    getAttempt: new GetAttempt({ ...base, policies }),
    verifyStep: new VerifyStep({ ...base, random: a.random, kinds, policies, notify }),
    issueChallenge: new IssueChallenge({ ...base, kinds, policies, sender }),
    // WebAuthn (issue 12): the tenant's relying party.
    setRelyingParty: new SetRelyingParty(base),
    getRelyingParty: new GetRelyingParty(base),
    getLockout: new GetLockout(base),
    unlockUser: new UnlockUser(base),
    listAuditEvents: new ListAuditEvents({ audit: a.auditReader }),
    createTenant: new CreateTenant(tenants),
    issueApiKey: new IssueApiKey(tenants),
    revokeApiKey: new RevokeApiKey(tenants),
    resolveApiKey: new ResolveApiKey(tenants),
    addVaultEntry: new AddVaultEntry(vault),
    listVaultEntries: new ListVaultEntries(vault),
    getVaultEntry: new GetVaultEntry(vault),
    readVaultCode: new ReadVaultCode(vault),
    grantVaultAccess: new GrantVaultAccess(vault),
    revokeVaultAccess: new RevokeVaultAccess(vault),
    deleteVaultEntry: new DeleteVaultEntry(vault),
    setVaultGroup: new SetVaultGroup(vault),
    listVaultGroups: new ListVaultGroups(vault),
    // Push devices (issue 13): enrollment proof, signed polls and answers; an administrator's clear of denies.
    ...createPushServices({ uow, clock, hasher: a.hasher, verifier: a.pushVerifier ?? NO_PUSH_VERIFIER, notify: a.notify ?? NO_KICK }),
    // Enforcement and remembered devices (issue 14).
    // Recovery and the tenant's settings (issue 14, issue 11's notifications).
    ...createRecoveryServices({ uow, clock, ids, hasher: a.hasher, cipher: a.cipher, kinds, notify }),
    ...createEnforcementServices({ uow, clock, ids, hasher: a.hasher, locations: a.locations ?? UNKNOWN_LOCATIONS }),
  };
}

export type Services = ReturnType<typeof createServices>;
