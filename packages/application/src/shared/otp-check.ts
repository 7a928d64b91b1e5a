// Checks a code against a credential's own secret, and names the time step / counter a match claims (the replay guard).
import { HOTP_LOOK_AHEAD, type FailureReason, type Instant, type VerifyWindow } from "@mfa-chain/domain";
import type { OtpVerifier } from "../ports/otp.port.js";
import type { StepClaim, StoredCredential } from "../ports/repositories.port.js";
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
        ? deps.otp.verifyTotp({
            secret,
            code,
            algorithm: p.algorithm,
            digits: p.digits,
            period: p.period,
            window,
            now,
            afterTimeStep: credential.lastTimeStep,
          })
        : deps.otp.verifyHotp({
            secret,
            code,
            algorithm: p.algorithm,
            digits: p.digits,
            counter: credential.counter,
            lookAhead: HOTP_LOOK_AHEAD,
          });
    if (match.kind === "match") return { ok: true, step: match.step };
    return { ok: false, reason: match.kind === "replayed" ? "code_replayed" : "invalid_code" };
  } finally {
    secret.fill(0);
  }
}

/** The claim of a matched step: the TOTP time step, or the HOTP counter moved past the matched one. */
export function claimOf(credential: StoredCredential, step: number): StepClaim {
  return credential.params.type === "totp"
    ? { kind: "time_step", credentialId: credential.id, step }
    : { kind: "counter", credentialId: credential.id, expected: credential.counter, next: step + 1 };
}
