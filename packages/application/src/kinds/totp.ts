// TOTP: a code matches a time step within the window, after the last accepted one (the replay guard, S2).
import type { OtpAlgorithm, OtpDigits } from "@mfa-chain/domain";
import type { TotpMaterial } from "./material.js";
import type { ApplicationKind, KindDeps } from "./kind.js";
import { provisionOtp, withSecret, type OtpShown } from "./otp.js";

export type { TotpMaterial };

/** A time step claimed, in memory: forward only (the storage's statement does the same). */
export const claimTimeStep = (m: TotpMaterial, step: number): TotpMaterial | null =>
  m.lastTimeStep !== null && m.lastTimeStep >= step ? null : { ...m, lastTimeStep: step };

export const totpKind = (deps: KindDeps): ApplicationKind<"totp", TotpMaterial, OtpShown, Record<never, never>> => ({
  type: "totp",
  enrollsAs: "pending",
  async provision(input, params) {
    const { sealed, shown } = await provisionOtp(deps, input, params);
    return { material: { secret: sealed, lastTimeStep: null }, shown };
  },
  check(credential, code, { now, window }) {
    const p = credential.params;
    const match = withSecret(deps, credential, (secret) =>
      deps.otp.verifyTotp({
        secret,
        code,
        ...algorithmOf(p),
        period: p.period,
        window,
        now,
        afterTimeStep: credential.material.lastTimeStep,
      }),
    );
    if (match.kind === "match") return { ok: true, claim: { kind: "time_step", credentialId: credential.id, step: match.step } };
    return { ok: false, reason: match.kind === "replayed" ? "code_replayed" : "invalid_code" };
  },
  view: () => ({}),
  currentCode: (credential, now, generator) =>
    withSecret(deps, credential, (secret) =>
      generator.generateTotp(secret, now, { ...algorithmOf(credential.params), period: credential.params.period }),
    ),
});

const algorithmOf = (p: { algorithm: OtpAlgorithm; digits: OtpDigits }) => ({ algorithm: p.algorithm, digits: p.digits });
