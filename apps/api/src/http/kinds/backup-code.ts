import { BACKUP_CODE_COUNT } from "@mfa-chain/domain";
import { z } from "../zod.js";
import type { ApiKind } from "./kind.js";

export const backupCodeApi = {
  params: z.object({ type: z.literal("backup_code") }),
  shown: z.object({
    codes: z
      .array(z.string())
      .length(BACKUP_CODE_COUNT)
      .openapi({
        description:
          "The set's single-use codes, shown this once and stored only as keyed hashes. A user may type one in any case, with or without the hyphens.",
        example: ["7KQ2M-XB9TD-4RWNF"],
      }),
  }),
  view: z.object({ remaining: z.int().openapi({ description: "Backup codes: how many of the set are unused." }) }),
} satisfies ApiKind<"backup_code">;
