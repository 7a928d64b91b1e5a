// One use case, one transaction: every repository handed to `work` runs on the same transaction, committed when
// `work` resolves and rolled back when it throws. On PGlite the driver serializes transactions (one connection).
import { PostgresRelyingPartyRepository } from "./repositories/relying-party.repository.js";
import type { Repositories, UnitOfWork } from "@mfa-chain/application";
import type { Db } from "./database/schema.js";
import { PostgresAttemptRepository } from "./repositories/attempt.repository.js";
import { PostgresAuditLog } from "./repositories/audit.repository.js";
import { PostgresCredentialRepository } from "./repositories/credential.repository.js";
import { PostgresLockoutRepository } from "./repositories/lockout.repository.js";
import { PostgresPolicyRepository } from "./repositories/policy.repository.js";
import { PostgresStepRepository } from "./repositories/step.repository.js";
import { PostgresUserRepository } from "./repositories/user.repository.js";
import { PostgresVaultRepository } from "./repositories/vault.repository.js";
import { PostgresDeviceRepository, PostgresEnforcementRepository } from "./repositories/enforcement.repository.js";
import { PostgresChallengeRepository } from "./repositories/challenge.repository.js";
import { PostgresPushRepository } from "./repositories/push.repository.js";
import {
  PostgresNotificationOutbox,
  PostgresRecoveryRepository,
  PostgresTenantSettingsRepository,
} from "./repositories/recovery.repository.js";
import { PostgresApiKeyRepository, PostgresTenantRepository } from "./repositories/tenant.repository.js";
import { PostgresOperatorRepository } from "./repositories/operator.repository.js";

/** The repositories over one connection or transaction. */
export function createRepositories(db: Db): Repositories {
  return {
    tenants: new PostgresTenantRepository(db),
    apiKeys: new PostgresApiKeyRepository(db),
    policies: new PostgresPolicyRepository(db),
    users: new PostgresUserRepository(db),
    credentials: new PostgresCredentialRepository(db),
    attempts: new PostgresAttemptRepository(db),
    lockouts: new PostgresLockoutRepository(db),
    audit: new PostgresAuditLog(db),
    steps: new PostgresStepRepository(db),
    vault: new PostgresVaultRepository(db),
    challenges: new PostgresChallengeRepository(db),
    relyingParties: new PostgresRelyingPartyRepository(db),
    enforcement: new PostgresEnforcementRepository(db),
    devices: new PostgresDeviceRepository(db),
    push: new PostgresPushRepository(db),
    settings: new PostgresTenantSettingsRepository(db),
    notifications: new PostgresNotificationOutbox(db),
    recoveries: new PostgresRecoveryRepository(db),
    operators: new PostgresOperatorRepository(db),
  };
}

export class PostgresUnitOfWork implements UnitOfWork {
  constructor(private readonly db: Db) {}

  /** Do not call `run` again inside `work`: on PGlite the nested call would wait for the outer one forever. */
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(createRepositories(trx)));
  }

  /** Each statement on a connection of the pool, committed on its own (UnitOfWork.direct). */
  readonly direct = <T>(work: (repos: Repositories) => Promise<T>): Promise<T> => work(createRepositories(this.db));
}

/**
 * A unit of work inside a transaction that is already open (and that its owner commits or rolls back): every `run`
 * works on it. It offers no `direct`: nothing here can commit on its own. For work that must commit together with something else, such as an idempotency key's stored answer.
 */
export class JoinedUnitOfWork implements UnitOfWork {
  constructor(private readonly trx: Db) {}

  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return work(createRepositories(this.trx));
  }
}
