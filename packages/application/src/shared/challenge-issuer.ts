// Issues the challenge of a kind with a challenge phase, for a step of an attempt or for the confirmation of an
// enrollment, in the caller's transaction. Two ways (KindChallenge.delivery): "send" draws a code and sends it to the
// credential's destination (challenge-sender.ts: limits, provider, audit); "answer" lets the kind make the challenge
// (WebAuthn: 32 random bytes and the request options) and stores what it says, replacing the same id's previous
// challenge, namespaced by the kind's purpose (S21, S30).
import { ok, type CredentialParams, type ImplementedFactorType, type Instant, type Result } from "@mfa-chain/domain";
import type { KindChallenge } from "../kinds/kind.js";
import type { Repositories } from "../ports/repositories.port.js";
import { auditActor } from "./actor.js";
import { InvariantViolation, type AppError } from "./application.errors.js";
import { sendChallenge, type ChallengeSenderDeps, type SendRequest, type SentChallenge } from "./challenge-sender.js";

/** No challenge lives longer (S21). */
export const CHALLENGE_MAX_TTL_SECONDS = 300;

export type IssuedChallengeView =
  | ({ readonly delivery: "send" } & SentChallenge)
  | {
      readonly delivery: "answer";
      readonly expiresAt: Instant;
      /** The kind's fields of the answer (WebAuthn: `publicKey`, the options for the browser). */
      readonly answer: Readonly<Record<string, unknown>>;
    };

export interface IssueRequest extends Omit<SendRequest, "challenge"> {
  readonly challenge: KindChallenge<ImplementedFactorType>;
  /** For a step: the params its policy factor wants now. */
  readonly params?: CredentialParams;
  /** Work the kind runs after the commit (AnswerChallengeInput.afterCommit). */
  readonly afterCommit?: (task: () => Promise<void>) => void;
}

export async function issueChallenge(
  repos: Repositories,
  deps: ChallengeSenderDeps,
  r: IssueRequest,
): Promise<Result<IssuedChallengeView, AppError>> {
  const { challenge, credential, now } = r;
  if (challenge.delivery === "send") {
    const sent = await sendChallenge(repos, deps, { ...r, challenge });
    return sent.ok ? ok({ delivery: "send", ...sent.value }) : sent;
  }
  const storedPurpose = challenge.purposes[r.purpose];
  const issued = await challenge.issue(credential as never, {
    tenantId: credential.tenantId,
    userId: credential.userId,
    purpose: r.purpose,
    storedPurpose,
    challengeId: r.challengeId,
    attemptId: r.attemptId,
    step: r.step,
    now,
    repos,
    ...(r.params === undefined ? {} : { params: r.params }),
    ...(r.afterCommit === undefined ? {} : { afterCommit: r.afterCommit }),
  });
  if (!issued.ok) return issued;
  const { codeHash, expiresAt } = issued.stored;
  if (!(expiresAt > now && expiresAt <= now + CHALLENGE_MAX_TTL_SECONDS * 1000))
    throw new InvariantViolation(`a challenge lives at most ${CHALLENGE_MAX_TTL_SECONDS} s (S21)`);
  await repos.challenges.save({
    tenantId: credential.tenantId,
    purpose: storedPurpose,
    id: r.challengeId,
    userId: credential.userId,
    credentialId: credential.id,
    attemptId: r.attemptId,
    step: r.step,
    codeHash,
    createdAt: now,
    expiresAt,
    consumedAt: null,
    tries: 0,
  });
  await repos.audit.append({
    tenantId: credential.tenantId,
    type: "challenge.issued",
    at: now,
    actor: auditActor(r.actor),
    userId: credential.userId,
    attemptId: r.attemptId,
    factorId: credential.factorId,
    data: { credentialId: credential.id, purpose: r.purpose, expiresAt },
  });
  return ok({ delivery: "answer", expiresAt, answer: issued.answer });
}
