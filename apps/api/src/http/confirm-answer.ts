// The answer to a factor's confirmation (POST /v1/users/{userId}/factors/{id}/confirm, and an operator's own passkey):
// the active factor; a wrong code or a refused registration is an outcome, answered like a failed verify (200 with what
// remains); any other error a problem.
import type { AppError, CredentialView } from "@mfa-chain/application";
import type { Result } from "@mfa-chain/domain";
import type { Response } from "express";
import { presentCredential } from "./present.js";
import { sendAppError } from "./problem.js";

export function sendConfirmation(res: Response, confirmed: Result<CredentialView, AppError>): void {
  if (confirmed.ok) return void res.json({ confirmed: true, factor: presentCredential(confirmed.value) });
  if (confirmed.error.code === "invalid_code") {
    const { failuresRemaining, lockedUntil } = confirmed.error;
    return void res.json({
      confirmed: false,
      failuresRemaining,
      lockedUntil: lockedUntil === null ? null : new Date(lockedUntil).toISOString(),
    });
  }
  sendAppError(res, confirmed.error);
}
