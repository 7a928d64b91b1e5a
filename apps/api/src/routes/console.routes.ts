// The admin console's sign-in: the password, then the operator's own chain, into a server-side session (issue 15).
import { NO_SIGN_IN_MESSAGE, type ConsoleOperators } from "@mfa-chain/application";
import { Router } from "express";
import {
  clearSessionCookie,
  csrfMatches,
  csrfTokenFor,
  mintSessionToken,
  sessionIdOf,
  sessionTokenOf,
  setSessionCookie,
} from "../http/console-session.js";
import { SignInBody, SignInCodeBody } from "../http/console.schemas.js";
import { sendAppError, sendProblem } from "../http/problem.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function consoleRoutes(operators: ConsoleOperators): Router {
  const r = Router();
  // Session answers are never cached: they carry the CSRF token.
  r.use((_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    next();
  });

  r.get("/session", noQuery, async (req, res) => {
    const token = sessionTokenOf(req);
    const operator = token === null ? null : await operators.resolveSession(sessionIdOf(token));
    if (!operator || token === null) return sendProblem(res, { code: "unauthorized", detail: "not signed in to the console" });
    res.json({ operator, csrfToken: csrfTokenFor(token) });
  });

  r.post("/session", noQuery, async (req, res) => {
    const body = parseOr400(SignInBody, req.body, res, "body");
    if (!body) return;
    const { token, sessionId } = mintSessionToken();
    const signed = await operators.signInWithPassword({ username: body.username, password: body.password, sessionId });
    if (!signed.ok) return sendAppError(res, signed.error);
    // A new session for every sign-in: a cookie planted before it is never the one that gets signed in.
    setSessionCookie(req, res, token);
    // The chain's next factor: the authenticator app, or the passkey of an operator who registered one.
    const { stage, nextFactor, expiresAt } = signed.value;
    res.json({ stage, nextFactor, expiresAt: iso(expiresAt) });
  });

  // A passkey step: the request options for navigator.credentials.get (the assertion then goes to /session/code).
  r.post("/session/challenge", noQuery, noBody, async (req, res) => {
    const token = sessionTokenOf(req);
    if (token === null) return sendProblem(res, { code: "sign_in_failed", detail: NO_SIGN_IN_MESSAGE });
    const issued = await operators.signInChallenge({ sessionId: sessionIdOf(token) });
    if (!issued.ok) return sendAppError(res, issued.error);
    res.json({ ...issued.value, expiresAt: iso(issued.value.expiresAt) });
  });

  r.post("/session/code", noQuery, async (req, res) => {
    const body = parseOr400(SignInCodeBody, req.body, res, "body");
    if (!body) return;
    const token = sessionTokenOf(req);
    if (token === null) return sendProblem(res, { code: "sign_in_failed", detail: NO_SIGN_IN_MESSAGE });
    const sessionId = sessionIdOf(token);
    // A passkey's assertion is handed on as its JSON text (its kind reads it; sizes were checked above).
    const result = await operators.submitCode(
      body.response === undefined ? { sessionId, code: body.code ?? "" } : { sessionId, assertion: JSON.stringify(body.response) },
    );
    if (!result.ok) return sendAppError(res, result.error);
    const { outcome, signedIn } = result.value;
    const operator = signedIn ? await operators.resolveSession(sessionIdOf(token)) : null;
    res.json({
      signedIn,
      failuresRemaining: outcome.failuresRemaining,
      lockedUntil: iso(outcome.lockedUntil),
      session: operator ? { operator, csrfToken: csrfTokenFor(token) } : null,
    });
  });

  r.delete("/session", noQuery, noBody, async (req, res) => {
    const token = sessionTokenOf(req);
    if (token !== null) {
      if (!csrfMatches(req, token))
        return sendProblem(res, { code: "forbidden", detail: "signing out needs the session's CSRF token in the x-csrf-token header" });
      await operators.signOut(sessionIdOf(token));
    }
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  return r;
}
