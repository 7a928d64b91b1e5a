// Request and response schemas of a policy's version history and of the preview of how attempts draw its chain.
import { MAX_PREVIEW_SAMPLES } from "@mfa-chain/application";
import { PolicySchema, QueryInt } from "./schemas.js";
import { z } from "./zod.js";

export const PolicyVersionsSchema = z
  .object({ versions: z.array(PolicySchema).openapi({ description: "Every version, newest first" }) })
  .openapi("PolicyVersions");

export const ChainPreviewQuery = z.strictObject({
  version: QueryInt(1, 1_000_000).optional().openapi({ description: "A version of the policy (default: the latest)" }),
  samples: QueryInt(1, MAX_PREVIEW_SAMPLES)
    .optional()
    .openapi({ description: `How many chains to draw, 1–${MAX_PREVIEW_SAMPLES} (default 5)` }),
});

export const ChainPreviewSchema = z
  .object({
    policyId: z.string(),
    version: z.int(),
    mode: z.enum(["fixed", "random"]),
    requiredSteps: z.int(),
    factorCount: z.int(),
    possibleChains: z
      .int()
      .openapi({ description: "How many different chains an attempt may get: 1 in fixed mode, M!/(M−N)! in random mode" }),
    samples: z.array(z.array(z.string())).openapi({
      description:
        "Chains drawn now by the same code attempts use (factor ids in the order they must be passed), with every factor of the policy taken as confirmed",
    }),
  })
  .openapi("ChainPreview");
