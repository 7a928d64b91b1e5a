import { TOTP_PERIODS } from "@mfa-chain/domain";
import { z } from "../zod.js";
import type { ApiKind } from "./kind.js";
import { Algorithm, Digits, OtpShownSchema } from "./otp.js";

export const totpApi = {
  params: z.object({
    type: z.literal("totp"),
    algorithm: Algorithm,
    digits: Digits,
    period: z.union(TOTP_PERIODS.map((p) => z.literal(p))),
  }),
  shown: OtpShownSchema,
  view: z.object({}),
} satisfies ApiKind<"totp">;
