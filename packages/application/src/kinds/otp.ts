// What the OTP kinds (TOTP, HOTP) share: a secret sealed at rest, shown once as base32, an otpauth:// URI and a QR code.
import type { ImplementedFactorType, OtpAlgorithm, OtpDigits, TotpPeriod } from "@mfa-chain/domain";
import type { QrImages } from "../ports/otp.port.js";
import type { SealedSecret, SecretBinding } from "../ports/secret-cipher.port.js";
import type { StoredCredentialOf } from "../ports/repositories.port.js";
import type { KindDeps, ProvisionInput } from "./kind.js";

/** Shown once at enrollment of an OTP factor. */
export interface OtpShown {
  /** Base32 secret, for manual entry. Never stored in the clear or shown again. */
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qr: QrImages;
}

export const bindingOf = (c: { readonly tenantId: string; readonly userId: string; readonly id: string }): SecretBinding => ({
  tenantId: c.tenantId,
  userId: c.userId,
  credentialId: c.id,
});

/** A fresh secret, sealed; `uri` builds the otpauth:// URI from it. The raw secret is wiped before this returns. */
export async function provisionOtp(
  deps: KindDeps,
  input: ProvisionInput,
  uriParams: { type: "totp" | "hotp"; algorithm: OtpAlgorithm; digits: OtpDigits; period?: TotpPeriod; counter?: number },
): Promise<{ sealed: SealedSecret; shown: OtpShown }> {
  const secret = deps.provisioner.generateSecret();
  try {
    const sealed = deps.cipher.seal(secret, { tenantId: input.tenantId, userId: input.userId, credentialId: input.credentialId });
    const otpauthUri = deps.provisioner.keyUri({
      ...uriParams,
      secret,
      issuer: deps.issuer,
      // Distinct per factor, so two authenticator entries of one user can be told apart.
      accountName: `${input.userId} (${input.label})`,
    });
    return { sealed, shown: { secret: deps.provisioner.encodeSecret(secret), otpauthUri, qr: await deps.provisioner.qrCode(otpauthUri) } };
  } finally {
    secret.fill(0);
  }
}

/** Runs `use` with the credential's secret opened, and wipes it afterwards. */
export function withSecret<T, K extends ImplementedFactorType>(
  deps: KindDeps,
  credential: StoredCredentialOf<K> & { readonly material: { readonly secret: SealedSecret } },
  use: (secret: Uint8Array) => T,
): T {
  const secret = deps.cipher.open(credential.material.secret, bindingOf(credential));
  try {
    return use(secret);
  } finally {
    secret.fill(0);
  }
}
