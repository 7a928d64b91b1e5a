// What push factors look like on the wire (issue 13, docs/push-protocol.md): no params beyond the type; enrolling
// shows the enrollment link for the device and its QR code; a factor view shows the enrolled device (never its key).
import { z } from "../zod.js";
import type { ApiKind } from "./kind.js";

export const pushApi = {
  params: z.object({ type: z.literal("push") }),
  shown: z.object({
    enrollmentLink: z.string().openapi({
      description:
        "mfachain-push://enroll?… for the device (docs/push-protocol.md §2): carries a one-time token valid 10 minutes. The factor stays pending until the device's signed proof.",
    }),
    qr: z.object({ png: z.string().openapi({ description: "data:image/png;base64,…" }), svg: z.string() }),
  }),
  view: z.object({
    pushDevice: z
      .object({ name: z.string(), algorithm: z.enum(["ES256", "Ed25519"]), enrolledAt: z.string().openapi({ format: "date-time" }) })
      .optional()
      .openapi({ description: "push: the enrolled device, once it proved its key." }),
  }),
  challenge: z.object({
    push: z
      .object({
        challengeId: z.string().openapi({ description: "Verify the step with this id as the `code` once the device answered." }),
        number: z.int().min(10).max(99).openapi({ description: "Show it to the user: the device offers it among three." }),
        expiresAt: z.string().openapi({ description: "Until when the device may answer (ISO 8601; 2 minutes)." }),
      })
      .openapi({
        description: "push: the challenge sent to the device (the top-level `expiresAt` is until when the step may be verified).",
      }),
  }),
} satisfies ApiKind<"push">;
