// One object that satisfies every OTP port of the application (OtpVerifier, OtpProvisioner, OtpGenerator), so a
// composition root can wire `otp` directly.
import { generateHotp, resyncHotp, verifyHotp } from "./hotp.js";
import { buildKeyUri } from "./key-uri.js";
import type {
  HotpOptions,
  HotpResync,
  HotpResyncInput,
  HotpVerifyInput,
  KeyUriInput,
  OtpGenerator,
  OtpMatch,
  OtpProvisioner,
  OtpVerifier,
  QrImages,
  TotpOptions,
  TotpVerifyInput,
} from "./otp.types.js";
import { qrCode } from "./qr-code.js";
import { encodeBase32, generateSecret } from "./secret.js";
import { generateTotp, verifyTotp } from "./totp.js";

/** OTP adapter backed by node:crypto, otplib and qrcode. Stateless: methods may be passed around unbound. */
export class NodeOtp implements OtpVerifier, OtpProvisioner, OtpGenerator {
  verifyTotp(input: TotpVerifyInput): OtpMatch {
    return verifyTotp(input);
  }

  verifyHotp(input: HotpVerifyInput): OtpMatch {
    return verifyHotp(input);
  }

  resyncHotp(input: HotpResyncInput): HotpResync | null {
    return resyncHotp(input);
  }

  generateSecret(): Uint8Array {
    return generateSecret();
  }

  encodeSecret(secret: Uint8Array): string {
    return encodeBase32(secret);
  }

  keyUri(input: KeyUriInput): string {
    return buildKeyUri(input);
  }

  qrCode(uri: string): Promise<QrImages> {
    return qrCode(uri);
  }

  generateTotp(secret: Uint8Array, now: number, options: TotpOptions): string {
    return generateTotp(secret, now, options);
  }

  generateHotp(secret: Uint8Array, counter: number, options: HotpOptions): string {
    return generateHotp(secret, counter, options);
  }
}

/** The shared instance: `OtpVerifier & OtpProvisioner & OtpGenerator`. */
export const otp: OtpVerifier & OtpProvisioner & OtpGenerator = new NodeOtp();
