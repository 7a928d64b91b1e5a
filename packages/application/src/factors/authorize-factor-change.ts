// S29: a change to a user's factors needs an admin key, or a chain that user completed moments ago. The very first
// enrollment is the exception: the relying party vouches for the user with its own first factor.
import { err, ok, REAUTH_MAX_AGE_SECONDS, reauthenticationRefusal, type Instant, type Result } from "@mfa-chain/domain";
import type { Repositories } from "../ports/repositories.port.js";
import type { Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";

export async function authorizeFactorChange(
  repos: Repositories,
  actor: Actor,
  userId: string,
  reauthAttemptId: string | undefined,
  now: Instant,
): Promise<Result<{ via: "admin" | "first_enrollment" | "reauthentication" }, AppError>> {
  if (actor.role === "admin") return ok({ via: "admin" });
  const credentials = await repos.credentials.listByUser(actor.tenantId, userId);
  if (!credentials.some((c) => c.status === "active")) return ok({ via: "first_enrollment" });
  const attempt = reauthAttemptId === undefined ? null : await repos.attempts.find(actor.tenantId, reauthAttemptId);
  const refusal = reauthenticationRefusal(attempt, userId, now);
  if (refusal === null) return ok({ via: "reauthentication" });
  const wanted = `an attempt this user completed in the last ${REAUTH_MAX_AGE_SECONDS} seconds`;
  return err({
    code: "reauthentication_required",
    message:
      reauthAttemptId === undefined
        ? `this user already has active factors: pass "reauthAttemptId" of ${wanted}, or use an admin key`
        : `the "reauthAttemptId" given is not ${wanted} (${refusal}); pass a fresh one, or use an admin key`,
  });
}
