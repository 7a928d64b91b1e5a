// Push approval with number matching (SPEC §3 push, S16, S17; docs/push-protocol.md). Enrolling returns a link and its
// QR code carrying a one-time token (192 bits, kept only as a keyed hash); the credential stays pending until the
// device's signed proof (the device routes, push/push-device.use-case.ts) records its key. The challenge phase draws
// the number to match and the device's three choices, stores the push challenge and wakes the device; the device
// answers on its own route. The step's verify is then given the challenge's id and passes only on the recorded
// approve with the right number: the challenge store's row for the step holds the keyed hash of that id, consumed by
// the verify (pass) or by a recorded failure (wrong number, deny, not me).
import {
  checkPushAllowance,
  drawPushChoices,
  drawPushNumber,
  formatPushEnrollmentLink,
  isPushDisplayText,
  isPushFailure,
  pushChallengeExpiresAt,
  PUSH_ENROLLMENT_LIFETIME_MS,
  PUSH_DEFAULTS,
  type Instant,
  type PushOptions,
  type RandomSource,
} from "@mfa-chain/domain";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { QrImages } from "../ports/otp.port.js";
import type { PushKindDeps } from "../ports/push.port.js";
import type { Repositories, StoredCredentialOf } from "../ports/repositories.port.js";
import type { AppError } from "../shared/application.errors.js";
import { StepNotReady } from "../shared/step-not-ready.js";
import type { ApplicationKind, CodeCheck, KindDeps } from "./kind.js";

export type { PushKindDeps };
import type { PushMaterial } from "./material.js";

/** Shown once at enrollment: the link for the device and its QR code; its token is valid 10 minutes. */
export interface PushShown {
  readonly enrollmentLink: string;
  readonly qr: QrImages;
}

/** What a factor view adds: the enrolled device, once it proved its key. */
export interface PushView {
  readonly pushDevice?: { readonly name: string; readonly algorithm: "ES256" | "Ed25519"; readonly enrolledAt: Instant };
}

/** The challenge store's namespace of push steps (S30). */
export const PUSH_PURPOSES = { verify: "push_verify", enroll: "push_enroll" } as const;
/**
 * How long after the push challenge expires the relying party may still verify an approval given in time. A failure
 * answer (wrong number, deny, not me) has no cutoff: it stays verifiable until a verify counts it.
 */
export const PUSH_VERIFY_GRACE_MS = 3 * 60_000;

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `bytes` random bytes as canonical base64url without padding (a multiple of 3 bytes: no partial group). */
export function randomBase64Url(random: RandomSource, bytes: number): string {
  if (bytes % 3 !== 0) throw new RangeError("randomBase64Url: a multiple of 3 bytes");
  let out = "";
  for (let i = 0; i < bytes; i += 3) {
    const n = (random.nextInt(256) << 16) | (random.nextInt(256) << 8) | random.nextInt(256);
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  return out;
}

/** A push challenge id: `pch_` and 24 base62 characters (142 bits). */
export function newPushChallengeId(random: RandomSource): string {
  let id = "pch_";
  for (let i = 0; i < 24; i++) id += ID_ALPHABET[random.nextInt(ID_ALPHABET.length)]!;
  return id;
}

/** The keyed hash of an enrollment token, bound to the tenant and credential. */
export const enrollmentTokenHash = (hasher: KeyedHasher, tenantId: string, credentialId: string, token: string): string =>
  hasher.hash(token, ["push_enrollment", tenantId, credentialId]);
export const matchesEnrollmentToken = (hasher: KeyedHasher, tenantId: string, credentialId: string, token: string, hash: string): boolean =>
  hasher.matches(token, ["push_enrollment", tenantId, credentialId], hash);

/** The challenge store's hash of a push challenge id, bound to tenant and credential. */
const challengeHash = (deps: KindDeps, tenantId: string, credentialId: string, challengeId: string, pushChallengeId: string) =>
  deps.hasher.hash(pushChallengeId, [PUSH_PURPOSES.verify, tenantId, credentialId, challengeId]);

/** The enrollment token of a pending push credential is valid this long after the credential was created. */
export const pushEnrollmentTokenExpiresAt = (credentialCreatedAt: Instant): Instant => credentialCreatedAt + PUSH_ENROLLMENT_LIFETIME_MS;

const pending = (message: string): AppError => ({ code: "push_answer_pending", message });
const expired = (message: string): AppError => ({ code: "push_challenge_expired", message });

export function pushKind(deps: KindDeps): ApplicationKind<"push", PushMaterial, PushShown, PushView> {
  const push = (): PushKindDeps => {
    if (!deps.push) throw new Error("push factors need KindDeps.push (the API's base URL and a push gateway)");
    return deps.push;
  };
  return {
    type: "push",
    enrollsAs: "pending",
    async provision(input) {
      const apiBaseUrl = push().apiBaseUrl();
      if (apiBaseUrl === undefined) throw new Error("push enrollment needs the API's base URL (MFA_PUBLIC_URL)");
      // 24 bytes: 192 bits, 32 canonical base64url characters.
      const token = randomBase64Url(deps.random, 24);
      const link = formatPushEnrollmentLink({
        apiBaseUrl,
        tenantId: input.tenantId,
        userId: input.userId,
        credentialId: input.credentialId,
        enrollmentToken: token,
        ...(isPushDisplayText(`${deps.issuer} — ${input.label}`) ? { label: `${deps.issuer} — ${input.label}` } : {}),
      });
      if (!link.ok) throw new Error(`push enrollment link: ${link.error.message}`);
      return {
        material: {
          enrollmentTokenHash: enrollmentTokenHash(deps.hasher, input.tenantId, input.credentialId, token),
          device: null,
          challenges: [],
        },
        // The token's 10 minutes run from the credential's creation (pushEnrollmentTokenExpiresAt).
        shown: { enrollmentLink: link.value, qr: await deps.provisioner.qrCode(link.value) },
      };
    },
    check(credential, code, { now, challenge: ch }): CodeCheck {
      const invalid = { ok: false, reason: "invalid_code" } as const;
      // No push issued for this step to this device, or it is not the step's newest push: nothing to pass.
      if (
        !ch ||
        ch.purpose !== PUSH_PURPOSES.verify ||
        ch.credentialId !== credential.id ||
        ch.tenantId !== credential.tenantId ||
        ch.userId !== credential.userId ||
        !deps.hasher.matches(code, [PUSH_PURPOSES.verify, credential.tenantId, credential.id, ch.id], ch.codeHash)
      )
        return invalid;
      // Used already (passed, or its failure counted): nothing more to decide, and nothing counts twice.
      if (ch.consumedAt !== null) throw new StepNotReady(expired(`push challenge ${code} was verified already; issue a new challenge`));
      const state = credential.material.challenges.find((c) => c.id === code);
      const pushExpiresAt = state?.expiresAt ?? ch.expiresAt - PUSH_VERIFY_GRACE_MS;
      if (!state || state.outcome === null) {
        // Not a failure either way: the device has not answered (yet); nothing is written.
        throw new StepNotReady(
          now < pushExpiresAt
            ? pending(
                `the device has not answered push challenge ${code} yet; verify again once it has (it expires ${new Date(pushExpiresAt).toISOString()})`,
              )
            : expired(`push challenge ${code} expired unanswered; issue a new challenge`),
        );
      }
      // A wrong number, a deny, "not me": one failure in the lockout count, whenever it is verified (no grace cutoff: a
      // new push for the step is refused until it is, push_answer_unverified), and the challenge is used up.
      if (isPushFailure(state.outcome)) {
        return {
          ok: false,
          reason: "invalid_code",
          claim: { kind: "challenge_spent", credentialId: credential.id, purpose: ch.purpose, challengeId: ch.id },
        };
      }
      // Approved (the right number, in time, signed by the enrolled key), verified within the grace: the step passes.
      if (now >= ch.expiresAt) throw new StepNotReady(expired(`push challenge ${code} is over; issue a new challenge`));
      return {
        ok: true,
        claim: { kind: "challenge", credentialId: credential.id, purpose: ch.purpose, challengeId: ch.id, codeHash: ch.codeHash },
      };
    },
    view: (credential) =>
      credential.material.device === null
        ? {}
        : {
            pushDevice: {
              name: credential.material.device.name,
              algorithm: credential.material.device.algorithm,
              enrolledAt: credential.material.device.enrolledAt,
            },
          },
    // Usable once a device proved its key.
    usable: (credential) => credential.material.device !== null,
    challenge: {
      delivery: "answer",
      purposes: PUSH_PURPOSES,
      async issue(credential: StoredCredentialOf<"push">, input) {
        const { repos, now } = input;
        // An enrollment is proved by the device's signed proof on its own route, not by a challenge: the row stored
        // for it holds a hash no submission matches (another purpose than a step's), so the confirm route passes nothing.
        if (input.purpose === "enroll") {
          return {
            ok: true,
            stored: {
              codeHash: deps.hasher.hash("proved-by-device", [PUSH_PURPOSES.enroll, input.tenantId, credential.id]),
              expiresAt: now + 60_000,
            },
            answer: {},
          };
        }
        if (input.attemptId === null || input.step === null || credential.material.device === null) {
          return {
            ok: false,
            error: {
              code: "challenge_not_supported",
              message: "a push factor takes a challenge only for a step, once its device is enrolled",
            },
          };
        }
        // The step's current push (the one its challenge row holds the hash of) answered with a failure not counted yet:
        // a new push would replace that row, and the failure would never count. The relying party verifies it first.
        const unverified = await unverifiedFailure(deps, repos, credential, input.storedPurpose, input.challengeId);
        if (unverified !== null) {
          return {
            ok: false,
            error: {
              code: "push_answer_unverified",
              message: `push challenge ${unverified} of this step was answered and is not verified yet: verify it (code "${unverified}") before issuing a new push`,
              pushChallengeId: unverified,
            },
          };
        }
        const { options: limits, context } = await pushStepOf(repos, input.tenantId, input.attemptId, credential.factorId);
        const state = await repos.push.fatigueState(input.tenantId, credential.userId, now);
        const allowance = checkPushAllowance(state, limits, now);
        const audit = {
          tenantId: input.tenantId,
          at: now,
          // The challenge route's caller is audited by the route's own event; these are the push's.
          actor: { kind: "system" } as const,
          userId: credential.userId,
          attemptId: input.attemptId,
          factorId: credential.factorId,
        };
        if (!allowance.allowed) {
          await repos.audit.append({
            ...audit,
            type: "push.challenge_limited",
            data: { credentialId: credential.id, reason: allowance.reason },
          });
          return {
            ok: false,
            error: {
              code: "too_many_pushes",
              message:
                allowance.retryAt === null
                  ? `pushes to this user are stopped after ${limits.maxDenies} denies, until an administrator clears them or a chain completes; use another factor`
                  : `too many pushes (${allowance.reason === "hourly_limit" ? `at most ${limits.maxPerHour} an hour` : `at most ${limits.maxPending} pending`}); try again after ${new Date(allowance.retryAt).toISOString()}`,
              retryAt: allowance.retryAt,
            },
          };
        }
        // One live push per step: the step's earlier unanswered pushes can no longer be answered (their answer could
        // never be verified, the step's row holding the new push's hash).
        await repos.push.retireStepChallenges(input.tenantId, input.attemptId, input.step, now);
        const id = newPushChallengeId(deps.random);
        const number = drawPushNumber(deps.random);
        const choices = drawPushChoices(number, deps.random);
        const expiresAt = pushChallengeExpiresAt(now);
        await repos.push.insertChallenge({
          tenantId: input.tenantId,
          id,
          userId: credential.userId,
          credentialId: credential.id,
          attemptId: input.attemptId,
          step: input.step,
          number,
          choices,
          context,
          createdAt: now,
          expiresAt,
          answer: null,
        });
        await repos.audit.append({
          ...audit,
          type: "push.challenge_issued",
          data: { credentialId: credential.id, challengeId: id, expiresAt },
        });
        const pushToken = credential.material.device.pushToken;
        if (pushToken !== null && input.afterCommit) {
          // Only a wake-up, sent once the challenge is committed (never for one that rolls back, and not while the
          // user's row is locked); a gateway that fails leaves the challenge pollable. Without afterCommit: devices poll.
          const gateway = push();
          const wake = { tenantId: input.tenantId, deviceId: credential.id, pushToken, challengeId: id, expiresAt };
          input.afterCommit(() => gateway.gateway.notify(wake).catch((error: unknown) => gateway.onGatewayError?.(error)));
        }
        return {
          ok: true,
          stored: {
            codeHash: challengeHash(deps, input.tenantId, credential.id, input.challengeId, id),
            expiresAt: expiresAt + PUSH_VERIFY_GRACE_MS,
          },
          // `expiresAt` of the challenge route's answer is until when the step can be verified; the device answers
          // until `push.expiresAt`.
          answer: { push: { challengeId: id, number, expiresAt: new Date(expiresAt).toISOString() } },
        };
      },
    },
  };
}

/**
 * The id of the step's current push when the device answered it with a failure (wrong number, deny, not me) that no
 * verify counted yet; null otherwise. The current push is the one whose id the step's challenge row holds the keyed
 * hash of, looked up among the credential's newest pushes (the material the verify decides on).
 */
async function unverifiedFailure(
  deps: KindDeps,
  repos: Repositories,
  credential: StoredCredentialOf<"push">,
  storedPurpose: string,
  challengeId: string,
): Promise<string | null> {
  const row = await repos.challenges.find(credential.tenantId, storedPurpose, challengeId);
  if (!row || row.consumedAt !== null || row.credentialId !== credential.id) return null;
  const current = credential.material.challenges.find((c) =>
    deps.hasher.matches(c.id, [PUSH_PURPOSES.verify, credential.tenantId, credential.id, row.id], row.codeHash),
  );
  return current && current.outcome !== null && isPushFailure(current.outcome) ? current.id : null;
}

/** The push options (anti-fatigue limits, fraud suspension) of the attempt's policy version for this factor. */
export async function pushOptionsOf(repos: Repositories, tenantId: string, attemptId: string, factorId: string): Promise<PushOptions> {
  return (await pushStepOf(repos, tenantId, attemptId, factorId)).options;
}

/**
 * The attempt's policy version as a push step sees it: the factor's options, and what the device shows for the sign-in
 * (`context`: the policy's name, when it is display text the device accepts; null otherwise).
 */
async function pushStepOf(
  repos: Repositories,
  tenantId: string,
  attemptId: string,
  factorId: string,
): Promise<{ readonly options: PushOptions; readonly context: string | null }> {
  const attempt = await repos.attempts.find(tenantId, attemptId);
  const policy = attempt && (await repos.policies.findVersion(tenantId, attempt.policyId, attempt.policyVersion));
  const factor = policy?.factors.find((f) => f.id === factorId);
  return {
    options: factor?.type === "push" ? factor.options : PUSH_DEFAULTS,
    context: policy && isPushDisplayText(policy.name) ? policy.name : null,
  };
}
