import { z } from "../zod.js";
import type { ApiKind } from "./kind.js";
import { Algorithm, Digits, OtpShownSchema } from "./otp.js";

export const hotpApi = {
  params: z.object({ type: z.literal("hotp"), algorithm: Algorithm, digits: Digits }),
  shown: OtpShownSchema,
  view: z.object({}),
} satisfies ApiKind<"hotp">;
