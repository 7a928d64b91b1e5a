// HOTP: a code matches a counter within the look-ahead; the counter moves past it by compare-and-set (S5). Tokens that
// ran ahead are brought back by resynchronisation with two consecutive codes (RFC 4226 §7.4).
import { HOTP_LOOK_AHEAD, HOTP_RESYNC_WINDOW, isCodeShape } from "@mfa-chain/domain";
import type { HotpMaterial } from "./material.js";
import type { ApplicationKind, KindDeps } from "./kind.js";
import { provisionOtp, withSecret, type OtpShown } from "./otp.js";

export type { HotpMaterial };

/** A counter claimed, in memory: compare-and-set (the storage's statement does the same). */
export const claimCounter = (m: HotpMaterial, expected: number, next: number): HotpMaterial | null =>
  m.counter !== expected ? null : { ...m, counter: next };

export const hotpKind = (deps: KindDeps): ApplicationKind<"hotp", HotpMaterial, OtpShown, Record<never, never>> => ({
  type: "hotp",
  enrollsAs: "pending",
  async provision(input, params) {
    const { sealed, shown } = await provisionOtp(deps, input, { ...params, counter: 0 });
    return { material: { secret: sealed, counter: 0 }, shown };
  },
  check(credential, code) {
    const { algorithm, digits } = credential.params;
    const { counter } = credential.material;
    const match = withSecret(deps, credential, (secret) =>
      deps.otp.verifyHotp({ secret, code, algorithm, digits, counter, lookAhead: HOTP_LOOK_AHEAD }),
    );
    if (match.kind === "match") {
      return { ok: true, claim: { kind: "counter", credentialId: credential.id, expected: counter, next: match.step + 1 } };
    }
    return { ok: false, reason: match.kind === "replayed" ? "code_replayed" : "invalid_code" };
  },
  view: () => ({}),
  resync(credential, [first, second]) {
    const { algorithm, digits } = credential.params;
    if (!isCodeShape(first, digits) || !isCodeShape(second, digits)) return null;
    const { counter } = credential.material;
    const found = withSecret(deps, credential, (secret) =>
      deps.otp.resyncHotp({ secret, codes: [first, second], counter, algorithm, digits, window: HOTP_RESYNC_WINDOW }),
    );
    return found && { kind: "counter", credentialId: credential.id, expected: counter, next: found.nextCounter };
  },
  currentCode: (credential, _now, generator) =>
    withSecret(deps, credential, (secret) => generator.generateHotp(secret, credential.material.counter, credential.params)),
});
