import { z } from "../zod.js";
import type { ApiKind } from "./kind.js";
import { destinationInput, oobParams, oobShown, oobView } from "./out-of-band.js";

export const emailApi = {
  params: z.object({ type: z.literal("email"), ...oobParams }),
  shown: oobShown,
  view: oobView,
  enroll: destinationInput(
    "email and sms factors: where codes go. email: an address (at most 254 characters, no control characters; the domain is lower-cased); sms: an E.164 number (+ and 8 to 15 digits). A confirmation code is sent there at once.",
  ),
} satisfies ApiKind<"email">;
