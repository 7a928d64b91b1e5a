// The lockout settings for a failure outside an attempt (confirmation, HOTP resync): the tenant's strictest.
import { POLICY_DEFAULTS, strictestLockout, type LockoutSettings } from "@mfa-chain/domain";
import type { Repositories } from "../ports/repositories.port.js";

export async function tenantLockout(repos: Repositories, tenantId: string): Promise<LockoutSettings> {
  const policies = await repos.policies.listLatest(tenantId);
  return strictestLockout(
    policies.map((p) => p.lockout),
    POLICY_DEFAULTS.lockout,
  );
}
