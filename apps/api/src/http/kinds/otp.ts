// What TOTP and HOTP factors look like on the wire: their params, and what enrolling one shows (once).
import { OTP_ALGORITHMS, OTP_DIGITS } from "@mfa-chain/domain";
import { z } from "../zod.js";

export const Algorithm = z.enum(OTP_ALGORITHMS);
export const Digits = z.union(
  OTP_DIGITS.map((d) => z.literal(d)),
  { error: `must be ${OTP_DIGITS.join(" or ")}` },
);

export const OtpShownSchema = z.object({
  secret: z.string().openapi({ description: "Base32 secret for manual entry. Shown this once." }),
  otpauthUri: z.string(),
  qr: z.object({ png: z.string().openapi({ description: "data:image/png;base64,…" }), svg: z.string() }),
});
