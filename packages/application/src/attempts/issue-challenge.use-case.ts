// The challenge phase of a step (SPEC §3, S14–S16, S21): when the attempt's current step is a kind with a challenge
// phase, issues one for that step. A kind that sends a code (email, SMS) sends one and answers where it went (masked),
// until when it is valid and when a resend is allowed; a resend replaces the code (S15) and resets no failure; sends
// are limited per destination, user and tenant (S16). A kind that answers (WebAuthn) stores its challenge and answers
// its own fields (the request options). The route is general: a kind's `challenge` hook is what makes a step take one.
import { err, isExpired, isLocked, ok, paramsOf, satisfies, type Instant, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { kindFor, type Kinds } from "../kinds/index.js";
import type { Actor } from "../shared/actor.js";
import { InvariantViolation, lockedError, type AppError } from "../shared/application.errors.js";
import { answeringDeliveryFailure, challengeIdOf, type ChallengeSenderDeps } from "../shared/challenge-sender.js";
import { issueChallenge, type IssuedChallengeView } from "../shared/challenge-issuer.js";
import type { PolicyVersionCache } from "../shared/policy-versions.js";
import { attemptNotFound } from "./attempt-views.js";

export interface IssueChallengeInput {
  readonly actor: Actor;
  readonly attemptId: string;
}

/** What was issued (a code sent, or the kind's answer), and the factor of the step it is for. */
export type ChallengeView = IssuedChallengeView & {
  /** The factor of the step the challenge is for. */
  readonly factorId: string;
};

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
    // What the kind runs once the challenge is committed (a push's wake-up): reset on each run of the transaction.
    let afterCommit: (() => Promise<void>)[] = [];
    const issued = await answeringDeliveryFailure(() =>
      deps.uow.run(async (repos): Promise<Result<ChallengeView, AppError>> => {
        afterCommit = [];
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
          return err<AppError>({
            code: "factor_not_active",
            message: `the user has no active factor "${factor.id}" to issue a challenge for`,
          });
        }
        const sent = await issueChallenge(repos, deps.sender, {
          actor: input.actor,
          credential,
          challenge,
          purpose: "verify",
          challengeId: challengeIdOf(attempt.id, attempt.cursor),
          attemptId: attempt.id,
          step: attempt.cursor,
          now,
          params: paramsOf(factor),
          afterCommit: (task) => afterCommit.push(task),
        });
        return sent.ok ? ok({ ...sent.value, factorId: factor.id }) : sent;
      }),
    );
    // Best effort, after the commit and outside the user's lock; each task reports its own failure (onGatewayError).
    if (issued.ok) for (const task of afterCommit) await task().catch(() => undefined);
    return issued;
  }
}
