// The challenge phase of a step (SPEC §3, S14–S16): when the attempt's current step is a kind that sends a code
// (email, SMS), sends one for that step and answers where it went (masked), until when it is valid and when a resend
// is allowed. A resend replaces the code (S15) and resets no failure; sends are limited per destination, user and
// tenant (S16). The route is general: a kind's `challenge` hook is what makes a step take one.
import { err, isExpired, isLocked, ok, satisfies, type Instant, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { kindFor, type Kinds } from "../kinds/index.js";
import type { Actor } from "../shared/actor.js";
import { InvariantViolation, lockedError, type AppError } from "../shared/application.errors.js";
import {
  answeringDeliveryFailure,
  challengeIdOf,
  sendChallenge,
  type ChallengeSenderDeps,
  type SentChallenge,
} from "../shared/challenge-sender.js";
import type { PolicyVersionCache } from "../shared/policy-versions.js";
import { attemptNotFound } from "./attempt-views.js";

export interface IssueChallengeInput {
  readonly actor: Actor;
  readonly attemptId: string;
}

export interface ChallengeView extends SentChallenge {
  /** The factor of the step the code is for. */
  readonly factorId: string;
}

export interface IssueChallengeDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly kinds: Kinds;
  readonly policies: PolicyVersionCache;
  readonly sender: ChallengeSenderDeps;
}

export class IssueChallenge {
  constructor(private readonly deps: IssueChallengeDeps) {}

  async execute(input: IssueChallengeInput): Promise<Result<ChallengeView, AppError>> {
    const { deps } = this;
    const { tenantId } = input.actor;
    return answeringDeliveryFailure(() =>
      deps.uow.run(async (repos): Promise<Result<ChallengeView, AppError>> => {
        const now: Instant = deps.clock.now();
        const attempt = await repos.attempts.find(tenantId, input.attemptId);
        if (!attempt) return err(attemptNotFound());
        if (attempt.status === "completed")
          return err<AppError>({ code: "attempt_completed", message: "this attempt is already complete and accepts nothing more" });
        if (isExpired(attempt, now))
          return err<AppError>({ code: "attempt_expired", message: "this attempt has expired; start a new one" });
        // The user's lock: one user's sends run one at a time, so the limits count every send exactly.
        await repos.users.lock(tenantId, attempt.userId, now);
        const lock = await repos.lockouts.find(tenantId, attempt.userId);
        if (isLocked(lock, now)) return err(lockedError(lock.lockedUntil as Instant));
        const policy = await deps.policies.get(repos.policies, tenantId, attempt.policyId, attempt.policyVersion);
        if (!policy) throw new InvariantViolation(`attempt ${attempt.id} refers to a missing policy version`);
        const factorId = attempt.chain[attempt.cursor];
        const factor = policy.factors.find((f) => f.id === factorId);
        if (factorId === undefined || !factor) throw new InvariantViolation(`attempt ${attempt.id} has no current step`);
        const challenge = kindFor(deps.kinds, factor.type).challenge;
        if (!challenge) {
          return err<AppError>({
            code: "challenge_not_supported",
            message: `the current step (factor "${factor.id}", ${factor.type}) takes no challenge: submit its code to verify`,
          });
        }
        const credential = await repos.credentials.findActiveByFactor(tenantId, attempt.userId, factor.id);
        if (!credential || !satisfies(credential, factor)) {
          return err<AppError>({ code: "factor_not_active", message: `the user has no active factor "${factor.id}" to send a code to` });
        }
        const sent = await sendChallenge(repos, deps.sender, {
          actor: input.actor,
          credential,
          challenge,
          purpose: "verify",
          challengeId: challengeIdOf(attempt.id, attempt.cursor),
          attemptId: attempt.id,
          step: attempt.cursor,
          now,
        });
        return sent.ok ? ok({ ...sent.value, factorId: factor.id }) : sent;
      }),
    );
  }
}
