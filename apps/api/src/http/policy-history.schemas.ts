// Request and response schemas of a policy's version history and of the preview of how attempts draw its chain.
import { MAX_PREVIEW_SAMPLES } from "@mfa-chain/application";
import { FactorViewSchema, PolicySchema, QueryInt, UserIdParam } from "./schemas.js";
import { z } from "./zod.js";

export const PolicyVersionsSchema = z
  .object({ versions: z.array(PolicySchema).openapi({ description: "Every version, newest first" }) })
  .openapi("PolicyVersions");

export const ChainPreviewQuery = z.strictObject({
  version: QueryInt(1, 1_000_000).optional().openapi({
    description: "A version of the policy (default: the latest); not with `userId` (400): a preview for one user is of the latest",
  }),
  samples: QueryInt(1, MAX_PREVIEW_SAMPLES)
    .optional()
    .openapi({ description: `How many chains to draw, 1–${MAX_PREVIEW_SAMPLES} (default 5)` }),
  userId: UserIdParam.optional().openapi({
    description:
      "Preview for this user: chains are drawn from the factors they have enrolled and confirmed, as starting an attempt would draw them from the latest version (a user the tenant does not know has none; a locked user gets no chain)",
  }),
});

/**
 * A factor as in FactorView, not a reference to it: the document's FactorView component is the nullable one of a verify
 * outcome's `nextFactor` (the first use makes the component), which a plain list of factors must not be.
 */
const Factor = z.object(FactorViewSchema.shape);

export const UserChainPreviewSchema = z
  .object({
    userId: z.string(),
    enrolled: z.array(Factor).openapi({
      description:
        "The policy's factors the user can pass now (active, confirmed, still usable), in policy order: what a chain is drawn from",
    }),
    notEnrolled: z
      .object({ message: z.string(), missing: z.array(Factor), needed: z.int() })
      .nullable()
      .openapi({
        description:
          "Why starting an attempt would be refused for want of factors (the factors_not_enrolled problem's detail, missing and needed), or null when a chain can be drawn",
      }),
    lockedUntil: z
      .string()
      .nullable()
      .openapi({ description: "Until when the user is locked out (starting an attempt is refused until then); null when not locked" }),
  })
  .openapi("UserChainPreview");

export const ChainPreviewSchema = z
  .object({
    policyId: z.string(),
    version: z.int(),
    mode: z.enum(["fixed", "random"]),
    requiredSteps: z.int(),
    factorCount: z.int(),
    possibleChains: z.int().openapi({
      description:
        "How many different chains an attempt may get: 1 in fixed mode, M!/(M−N)! in random mode; with `userId`, M is the user's enrolled factors (0 when they cannot start)",
    }),
    samples: z.array(z.array(z.string())).openapi({
      description:
        "Chains drawn now by the same code attempts use (factor ids in the order they must be passed), with every factor of the policy taken as confirmed, or with the user's enrolled factors when `userId` is given (none when they cannot start)",
    }),
    user: UserChainPreviewSchema.optional().openapi({ description: "With `userId`: what starting an attempt would find for that user" }),
  })
  .openapi("ChainPreview");
