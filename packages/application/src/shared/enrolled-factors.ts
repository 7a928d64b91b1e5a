// Which of a policy's factors a user can pass now: the ones StartAttempt draws a chain from, and the chain preview for
// one user shows. One place, so that the preview never answers differently from a start.
import { satisfies, type Policy } from "@mfa-chain/domain";
import { kindFor, type Kinds } from "../kinds/index.js";
import type { Repositories } from "../ports/repositories.port.js";

/**
 * The ids of the policy's factors that one of the user's credentials satisfies (active, confirmed, same kind and
 * options). A credential that can pass no step any more (every backup code used) does not count as enrolled.
 */
export async function enrolledFactorIds(
  repos: Repositories,
  kinds: Kinds,
  tenantId: string,
  userId: string,
  policy: Policy,
): Promise<Set<string>> {
  const credentials = (await repos.credentials.listByUser(tenantId, userId)).filter(
    (c) => kindFor(kinds, c.params.type).usable?.(c) ?? true,
  );
  return new Set(policy.factors.filter((f) => credentials.some((c) => satisfies(c, f))).map((f) => f.id));
}
