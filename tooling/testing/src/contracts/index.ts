// The storage contract suites: one per port, run against every implementation (in memory, PGlite, PostgreSQL).
import { describeAttemptRepositoryContract } from "./attempt-repository.contract.js";
import { describeAuditLogContract } from "./audit-log.contract.js";
import { describeChallengeContract } from "./challenge.contract.js";
import { describeWebAuthnContract } from "./webauthn.contract.js";
import { describeCredentialRepositoryContract } from "./credential-repository.contract.js";
import { describeLockoutRepositoryContract } from "./lockout-repository.contract.js";
import { describePolicyRepositoryContract } from "./policy-repository.contract.js";
import type { MakeStorage } from "./storage-fixture.js";
import { describeStepRepositoryContract } from "./step-repository.contract.js";
import { describeTenantIsolationContract } from "./tenant-isolation.contract.js";
export { describeSecretsAtRestContract, seedSpellings, type SecretsAtRestUnderTest } from "./secrets-at-rest.contract.js";
import { describeUnitOfWorkContract } from "./unit-of-work.contract.js";
import { describeVaultRepositoryContract, sampleVaultEntry } from "./vault-repository.contract.js";
import { describeEnforcementRepositoryContract, sampleDevice, sampleRules } from "./enforcement-repository.contract.js";

export * from "./storage-fixture.js";
import { describePushRepositoryContract } from "./push-repository.contract.js";
export { describePushRepositoryContract };
import { describeRecoveryRepositoryContract, sampleRecovery } from "./recovery-repository.contract.js";
export { describeRecoveryRepositoryContract, sampleRecovery };
import { describeOperatorRepositoryContract, sampleOperator } from "./operator-repository.contract.js";
export { describeOperatorRepositoryContract, sampleOperator };
import { describeDirectoryContract } from "./directory.contract.js";
export { describeDirectoryContract };
export {
  describeAttemptRepositoryContract,
  describeAuditLogContract,
  describeChallengeContract,
  describeWebAuthnContract,
  describeCredentialRepositoryContract,
  describeLockoutRepositoryContract,
  describePolicyRepositoryContract,
  describeStepRepositoryContract,
  describeTenantIsolationContract,
  describeUnitOfWorkContract,
  describeVaultRepositoryContract,
  sampleVaultEntry,
  describeEnforcementRepositoryContract,
  sampleDevice,
  sampleRules,
};

/** Every storage contract against one implementation. */
export function describeStorageContracts(name: string, makeStorage: MakeStorage): void {
  describePolicyRepositoryContract(name, makeStorage);
  describeCredentialRepositoryContract(name, makeStorage);
  describeAttemptRepositoryContract(name, makeStorage);
  describeLockoutRepositoryContract(name, makeStorage);
  describeAuditLogContract(name, makeStorage);
  describeStepRepositoryContract(name, makeStorage);
  describeUnitOfWorkContract(name, makeStorage);
  describeTenantIsolationContract(name, makeStorage);
  describeVaultRepositoryContract(name, makeStorage);
  describeChallengeContract(name, makeStorage);
  describePushRepositoryContract(name, makeStorage);
  describeWebAuthnContract(name, makeStorage);
  describeEnforcementRepositoryContract(name, makeStorage);
  describeRecoveryRepositoryContract(name, makeStorage);
  describeOperatorRepositoryContract(name, makeStorage);
  describeDirectoryContract(name, makeStorage);
}
