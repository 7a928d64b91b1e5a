// A signed-in operator's own passkeys (issue 15), under /console with the session and its CSRF token: register one
// (creation options, then the browser's registration), list them, remove one. Any operator, viewer or admin: these
// are the operator's own sign-in factors, not a tenant's data.
import type { ConsoleOperators, OperatorPasskeys } from "@mfa-chain/application";
import { Router } from "express";
import { operatorSessionOf, requireOperator } from "../http/console-session.js";
import { PasskeyConfirmBody, PasskeyParams } from "../http/console.schemas.js";
import { sendConfirmation } from "../http/confirm-answer.js";
import { presentCredential } from "../http/present.js";
import { sendAppError } from "../http/problem.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";

/** Mounted under /console, after the session routes. */
export function passkeyRoutes(passkeys: OperatorPasskeys, operators: ConsoleOperators): Router {
  const r = Router();
  r.use("/passkeys", requireOperator(operators));

  r.get("/passkeys", noQuery, async (_req, res) => {
    const listed = await passkeys.list(operatorSessionOf(res));
    res.json({ passkeys: listed.map(presentCredential) });
  });

  r.post("/passkeys", noQuery, noBody, async (_req, res) => {
    const started = await passkeys.register(operatorSessionOf(res));
    if (!started.ok) return sendAppError(res, started.error);
    const { credential, shown, confirmBefore } = started.value;
    res.status(201).json({
      factor: presentCredential(credential),
      publicKey: (shown as { readonly publicKey?: unknown }).publicKey,
      confirmBefore: confirmBefore === null ? null : new Date(confirmBefore).toISOString(),
    });
  });

  r.post("/passkeys/:credentialId/confirm", noQuery, async (req, res) => {
    const params = parseOr400(PasskeyParams, req.params, res, "path");
    const body = params && parseOr400(PasskeyConfirmBody, req.body, res, "body");
    if (!params || !body) return;
    // The registration is handed on as its JSON text (its kind reads it; sizes were checked above).
    const confirmed = await passkeys.confirm(operatorSessionOf(res), params.credentialId, JSON.stringify(body.response));
    // A refused registration is an outcome, answered as the API's confirmation answers it: 200 with what remains.
    sendConfirmation(res, confirmed);
  });

  r.delete("/passkeys/:credentialId", noQuery, noBody, async (req, res) => {
    const params = parseOr400(PasskeyParams, req.params, res, "path");
    if (!params) return;
    const removed = await passkeys.remove(operatorSessionOf(res), params.credentialId);
    if (!removed.ok) return sendAppError(res, removed.error);
    res.json({ factor: presentCredential(removed.value) });
  });

  return r;
}
