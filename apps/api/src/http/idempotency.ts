// The `Idempotency-Key` request header (optional) on the routes that change state a client may need to retry: start an
// attempt, verify, enroll and confirm. A retry with the same key and the same request gets the first answer back, marked
// `Idempotent-Replayed: true`, and changes nothing; the same key with another request is refused (422). Keys belong to
// the tenant and are kept 24 hours. The answer is stored in the same transaction as the changes it reports (see
// PostgresIdempotencyStore): the route runs on services bound to that transaction.
import { createHash } from "node:crypto";
import type { UnitOfWork } from "@mfa-chain/application";
import type { IdempotencyScope, IdempotentOutcome, StoredAnswer } from "@mfa-chain/infra-postgres";
import type { RequestHandler, Response } from "express";
import type { Services } from "@mfa-chain/application";
import { actorOf } from "./auth.js";
import { sendProblem } from "./problem.js";

export interface IdempotencyStore {
  runOnce(scope: IdempotencyScope, work: (uow: UnitOfWork) => Promise<StoredAnswer>): Promise<IdempotentOutcome>;
}

/** 1–255 visible ASCII characters (a UUID, a ULID, any opaque token). */
const KEY = /^[\x21-\x7e]{1,255}$/;
/** The headers of an answer that a replay repeats. */
const REPLAYED_HEADERS = ["content-type", "location", "retry-after", "cache-control", "www-authenticate"] as const;

/** The services a route should call: bound to the idempotency key's transaction when the request carries one. */
export const servicesFor = (res: Response, services: Services): Services =>
  (res.locals.idempotentServices as Services | undefined) ?? services;

export function idempotent(store: IdempotencyStore, servicesOn: (uow: UnitOfWork) => Services): RequestHandler {
  return async (req, res, next) => {
    const key = req.get("idempotency-key");
    if (key === undefined) return next();
    if (!KEY.test(key)) {
      return sendProblem(res, {
        code: "invalid_request",
        detail: "Idempotency-Key must be 1 to 255 visible ASCII characters (for example a UUID)",
      });
    }
    const fingerprint = createHash("sha256")
      .update(`${req.method} ${req.originalUrl.split("?")[0] ?? ""} ${JSON.stringify(req.body ?? {})}`)
      .digest("hex");
    const scope = { tenantId: actorOf(res).tenantId, key, fingerprint, now: Date.now() };
    const held = holdAnswer(res);
    let outcome: IdempotentOutcome;
    try {
      outcome = await store.runOnce(scope, (uow) => {
        res.locals.idempotentServices = servicesOn(uow);
        next();
        return held.answer;
      });
    } catch (error) {
      held.release(); // the error handler answers (503 when the database failed)
      throw error;
    }
    switch (outcome.kind) {
      case "ran":
        return held.release();
      case "replayed":
        held.discard();
        for (const [name, value] of Object.entries(outcome.answer.headers)) res.setHeader(name, value);
        res.setHeader("Idempotent-Replayed", "true");
        return void res.status(outcome.answer.status).send(outcome.answer.body);
      case "mismatch":
        held.discard();
        return sendProblem(res, {
          code: "idempotency_key_reused",
          detail: "this Idempotency-Key was used for a different request in the last 24 hours; use a new key",
        });
    }
  };
}

/**
 * Holds the route's answer back until the transaction has committed: `res.end` is captured, `answer` resolves with what
 * to store, `release` sends what was held (and lets any later end through), `discard` drops it.
 */
function holdAnswer(res: Response): { answer: Promise<StoredAnswer>; release(): void; discard(): void } {
  const end = res.end;
  let held: { chunk: unknown; encoding: unknown } | null = null;
  let resolve: (answer: StoredAnswer) => void = () => undefined;
  const answer = new Promise<StoredAnswer>((ok) => (resolve = ok));
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    held = { chunk, encoding };
    const body = chunk === undefined || typeof chunk === "function" ? "" : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk);
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    resolve({ status: res.statusCode, headers, body });
    return res;
  }) as Response["end"];
  return {
    answer,
    release() {
      res.end = end;
      if (held) (end as (chunk: unknown, encoding: unknown) => Response).call(res, held.chunk, held.encoding);
      held = null;
    },
    discard() {
      res.end = end;
      held = null;
    },
  };
}
