// What email and SMS factors look like on the wire: their params (code digits and lifetime), the destination they are
// enrolled with, and the masked destination an enrollment and a factor view show.
import { OOB_CODE_DIGITS, OOB_CODE_TTL_MAX_SECONDS, OOB_CODE_TTL_MIN_SECONDS } from "@mfa-chain/domain";
import { z } from "../zod.js";

export const CodeDigits = z.union(
  OOB_CODE_DIGITS.map((d) => z.literal(d)),
  { error: `must be ${OOB_CODE_DIGITS.join(" or ")}` },
);
export const CodeTtlSeconds = z.int().min(OOB_CODE_TTL_MIN_SECONDS).max(OOB_CODE_TTL_MAX_SECONDS);

export const oobParams = { codeDigits: CodeDigits, codeTtlSeconds: CodeTtlSeconds };

export const MaskedDestination = z.string().openapi({
  description: "Where codes go, masked (`a***@example.com`, `+44******789`); the full destination is never shown again.",
});

export const oobShown = z.object({ destination: MaskedDestination });
export const oobView = z.object({ destination: MaskedDestination });

/** Checked for length only here; the domain decides the syntax (and refuses control characters) with a clear message. */
export const destinationInput = (description: string) => z.object({ destination: z.string().max(400).openapi({ description }) });
