// Checks a code against a credential's own secret and claims its time step / counter atomically (the replay guard).
import { HOTP_LOOK_AHEAD, type FailureReason, type Instant, type StepResult, type VerifyWindow } from "@mfa-chain/domain";
import type { OtpVerifier } from "../ports/otp.port.js";
import type { CredentialRepository, StoredCredential } from "../ports/repositories.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";

export interface OtpCheckDeps {
  readonly otp: OtpVerifier;
  readonly cipher: SecretCipher;
}

/** Matches the code without claiming anything: the matched step, or why it failed. */
export function matchCode(
  deps: OtpCheckDeps,
  credential: StoredCredential,
  code: string,
  window: VerifyWindow,
  now: Instant,
): { ok: true; step: number } | { ok: false; reason: FailureReason } {
  const secret = deps.cipher.open(credential.secret, {
    tenantId: credential.tenantId,
    userId: credential.userId,
    credentialId: credential.id,
  });
  try {
    const p = credential.params;
    const match =
      p.type === "totp"
        ? deps.otp.verifyTotp({ secret, code, algorithm: p.algorithm, digits: p.digits, period: p.period, window, now, afterTimeStep: credential.lastTimeStep })
        : deps.otp.verifyHotp({ secret, code, algorithm: p.algorithm, digits: p.digits, counter: credential.counter, lookAhead: HOTP_LOOK_AHEAD });
    if (match.kind === "match") return { ok: true, step: match.step };
    return { ok: false, reason: match.kind === "replayed" ? "code_replayed" : "invalid_code" };
  } finally {
    secret.fill(0);
  }
}

/** Claims a matched step with one atomic statement: of parallel submissions of one code, exactly one wins. */
export async function claimStep(repo: CredentialRepository, credential: StoredCredential, step: number): Promise<boolean> {
  return credential.params.type === "totp"
    ? repo.advanceTimeStep(credential.tenantId, credential.id, step)
    : repo.advanceCounter(credential.tenantId, credential.id, credential.counter, step + 1);
}

export async function checkAndClaim(
  deps: OtpCheckDeps,
  repo: CredentialRepository,
  credential: StoredCredential,
  code: string,
  window: VerifyWindow,
  now: Instant,
): Promise<StepResult> {
  const matched = matchCode(deps, credential, code, window, now);
  if (!matched.ok) return matched;
  return (await claimStep(repo, credential, matched.step)) ? { ok: true } : { ok: false, reason: "code_replayed" };
}
