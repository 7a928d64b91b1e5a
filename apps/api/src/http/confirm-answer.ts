// The answer to a factor's confirmation (POST /v1/users/{userId}/factors/{id}/confirm, and an operator's own passkey)
// or resync (…/resync): the factor; a wrong code or a refused registration is an outcome, answered like a failed verify
// (200 with what remains); any other error a problem.
import type { AppError, CredentialView } from "@mfa-chain/application";
import type { Result } from "@mfa-chain/domain";
import type { Response } from "express";
import { presentCredential } from "./present.js";
import { sendAppError } from "./problem.js";

export function sendConfirmation(res: Response, confirmed: Result<CredentialView, AppError>): void {
  sendFactorOutcome(res, "confirmed", confirmed);
}

/** `{ [done]: true, factor }`, or for a wrong code `{ [done]: false, failuresRemaining, lockedUntil }`, or a problem. */
export function sendFactorOutcome(res: Response, done: "confirmed" | "resynced", outcome: Result<CredentialView, AppError>): void {
  if (outcome.ok) return void res.json({ [done]: true, factor: presentCredential(outcome.value) });
  if (outcome.error.code === "invalid_code") {
    const { failuresRemaining, lockedUntil } = outcome.error;
    return void res.json({
      [done]: false,
      failuresRemaining,
      lockedUntil: lockedUntil === null ? null : new Date(lockedUntil).toISOString(),
    });
  }
  sendAppError(res, outcome.error);
}
