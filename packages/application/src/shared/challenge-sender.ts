// Sends a code for a credential of a kind with a challenge phase (email, SMS), for a step of an attempt or for the
// confirmation of an enrollment. In the caller's transaction, which holds the user's lock (so one user's sends run one
// at a time and the limits count exactly, S16): check the limits, draw the code (CSPRNG, S14), hand it to the provider,
// and only once it accepted, record the send and store the code's keyed hash (S15), replacing the previous code of the
// same challenge. A provider that refuses throws DeliveryFailed: the caller's transaction rolls back, and nothing is
// stored or counted.
import {
  checkSendLimits,
  drawOobCode,
  longestWindowSeconds,
  mostSendsCounted,
  type Instant,
  type RandomSource,
  type SendLimits,
} from "@mfa-chain/domain";
import type { ChallengePurpose, MessageDelivery } from "../ports/delivery.port.js";
import { DeliveryUnavailableError } from "../ports/delivery.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { Repositories, StoredCredential } from "../ports/repositories.port.js";
import type { SentCodeChallenge } from "../kinds/kind.js";
import type { ImplementedFactorType } from "@mfa-chain/domain";
import { auditActor, type Actor } from "./actor.js";
import type { AppError } from "./application.errors.js";

export interface ChallengeSenderDeps {
  readonly delivery: MessageDelivery;
  readonly random: RandomSource;
  readonly ids: IdGenerator;
  readonly limits: SendLimits;
}

/** Thrown out of a transaction to roll it back when the provider refused: the caller answers `error`. */
export class DeliveryFailed extends Error {
  override readonly name = "DeliveryFailed";
  constructor(readonly error: AppError) {
    super(error.message);
  }
}

export interface SendRequest {
  readonly actor: Actor;
  readonly credential: StoredCredential;
  readonly challenge: SentCodeChallenge<ImplementedFactorType>;
  readonly purpose: ChallengePurpose;
  /** The challenge's id in its namespace: `<attemptId>:<step>` for a step, the credential's id for an enrollment. */
  readonly challengeId: string;
  readonly attemptId: string | null;
  readonly step: number | null;
  readonly now: Instant;
}

export interface SentChallenge {
  readonly destination: string;
  readonly expiresAt: Instant;
  /** When the next send for it is allowed (the limits as they stand after this one). */
  readonly resendAfter: Instant;
}

export const challengeIdOf = (attemptId: string, step: number): string => `${attemptId}:${step}`;

type Sent = { readonly destination: readonly Instant[]; readonly user: readonly Instant[]; readonly tenant: readonly Instant[] };

async function sentSoFar(
  repos: Repositories,
  tenantId: string,
  userId: string,
  destinationKey: string,
  limits: SendLimits,
  now: Instant,
): Promise<Sent> {
  const since = (rules: SendLimits["perUser"]) => now - longestWindowSeconds(rules) * 1000;
  const [destination, user, tenant] = await Promise.all([
    repos.challenges.sendsSince(tenantId, { destinationKey }, since(limits.perDestination), mostSendsCounted(limits.perDestination)),
    repos.challenges.sendsSince(tenantId, { userId }, since(limits.perUser), mostSendsCounted(limits.perUser)),
    repos.challenges.sendsSince(tenantId, { tenant: true }, since(limits.perTenant), mostSendsCounted(limits.perTenant)),
  ]);
  return { destination, user, tenant };
}

export async function sendChallenge(
  repos: Repositories,
  deps: ChallengeSenderDeps,
  r: SendRequest,
): Promise<{ readonly ok: true; readonly value: SentChallenge } | { readonly ok: false; readonly error: AppError }> {
  const { credential, challenge, now } = r;
  const { tenantId } = credential;
  const to = challenge.destination(credential);
  const audit = {
    tenantId,
    at: now,
    actor: auditActor(r.actor),
    userId: credential.userId,
    attemptId: r.attemptId,
    factorId: credential.factorId,
  };
  const sent = await sentSoFar(repos, tenantId, credential.userId, to.destinationKey, deps.limits, now);
  const allowed = checkSendLimits(sent, deps.limits, now);
  if (!allowed.allowed) {
    await repos.audit.append({
      ...audit,
      type: "challenge.send_limited",
      data: { credentialId: credential.id, channel: to.channel, destination: to.masked, scope: allowed.scope },
    });
    return {
      ok: false,
      error: {
        code: "too_many_sends",
        message: `too many codes sent (per ${allowed.scope}); try again after ${new Date(allowed.retryAt).toISOString()}`,
        retryAt: allowed.retryAt,
      },
    };
  }
  const { digits, ttlSeconds } = challenge.codeOptions(credential);
  const code = drawOobCode((n) => deps.random.nextInt(n), digits);
  const expiresAt = now + ttlSeconds * 1000;
  const purpose = r.purpose === "verify" ? challenge.purposes.verify : challenge.purposes.enroll;
  try {
    await deps.delivery.send({ kind: "challenge_code", channel: to.channel, tenantId, to: to.to, code, expiresAt, purpose: r.purpose });
  } catch (error) {
    if (!(error instanceof DeliveryUnavailableError)) throw error;
    // The error's message never holds the code or the destination (the port's rule).
    throw new DeliveryFailed({
      code: "delivery_unavailable",
      message: `the ${to.channel} provider did not accept the code (${error.message}); nothing was sent, try again later`,
      retryable: error.retryable,
    });
  }
  // Accepted: count it, and keep only the code's keyed hash, replacing the challenge's previous code (S15).
  await repos.challenges.recordSend({
    tenantId,
    id: deps.ids.newId(),
    userId: credential.userId,
    destinationKey: to.destinationKey,
    sentAt: now,
  });
  await repos.challenges.save({
    tenantId,
    purpose,
    id: r.challengeId,
    userId: credential.userId,
    credentialId: credential.id,
    attemptId: r.attemptId,
    step: r.step,
    codeHash: challenge.hashCode(credential, purpose, r.challengeId, code),
    createdAt: now,
    expiresAt,
    consumedAt: null,
    tries: 0,
  });
  await repos.audit.append({
    ...audit,
    type: "challenge.sent",
    data: { credentialId: credential.id, channel: to.channel, destination: to.masked, purpose: r.purpose, expiresAt },
  });
  const after = checkSendLimits(
    { destination: [now, ...sent.destination], user: [now, ...sent.user], tenant: [now, ...sent.tenant] },
    deps.limits,
    now,
  );
  return { ok: true, value: { destination: to.masked, expiresAt, resendAfter: after.allowed ? now : after.retryAt } };
}

/** Runs `work` (a transaction that may send), turning a provider's refusal (the rolled-back transaction) into its error. */
export async function answeringDeliveryFailure<T>(work: () => Promise<T>): Promise<T | { readonly ok: false; readonly error: AppError }> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DeliveryFailed) return { ok: false, error: error.error };
    throw error;
  }
}
