// The SQL the API runs for one verify, taken from the built repository itself (packages/infra-postgres, dist), so that
// the raw floor runs exactly the API's statements and cannot drift from them: the repository's optimistic read and its
// guarded write are built on a Kysely whose driver runs nothing and records each compiled query. Values that change
// from one transaction to the next are passed as marked stand-ins and found again in the recorded parameters.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const INFRA = join(dirname(fileURLToPath(import.meta.url)), "../../packages/infra-postgres");

const MARK = {
  attempt: "\u0000attempt",
  user: "\u0000user",
  credential: "\u0000credential",
  step: 987_654_321,
  at: new Date(1_111_111_111_111),
  expiresAt: new Date(1_222_222_222_222),
};

/** A recorded parameter list → a function of one transaction's values giving that statement's parameters. */
function binder(parameters) {
  const slots = parameters.map((p) => {
    if (p === MARK.attempt) return (v) => v.attempt;
    if (p === MARK.user) return (v) => v.user;
    if (p === MARK.credential) return (v) => v.credential;
    if (p === MARK.step) return (v) => v.step;
    if (p instanceof Date && p.getTime() === MARK.at.getTime()) return (v) => v.at;
    if (p instanceof Date && p.getTime() === MARK.expiresAt.getTime()) return (v) => v.expiresAt;
    if (typeof p === "string" && p.includes("\u0000"))
      throw new Error("api-statements: a marked value reached the SQL inside another value");
    return () => p;
  });
  return (v) => slots.map((slot) => slot(v));
}

/**
 * The optimistic verify of one TOTP code that completes a one-step attempt at version 1 of a user whose failure
 * counter is at zero: `read` (no locks) and `write` (guarded), each `{ text, values(v) }` where v is
 * `{ attempt, user, credential, step, at, expiresAt }`.
 */
export async function apiVerifyStatements({ tenant, factor }) {
  const dist = join(INFRA, "dist/index.js");
  if (!existsSync(dist)) throw new Error("the raw floor takes the API's SQL from packages/infra-postgres/dist: build it first");
  const { PostgresStepRepository } = await import(pathToFileURL(dist).href);
  const kyselyEntry = createRequire(join(INFRA, "package.json")).resolve("kysely");
  const { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } = await import(pathToFileURL(kyselyEntry).href);
  const recorded = [];
  // A driver that runs nothing: each statement answers the next of `answers`, or no rows.
  const answers = [];
  const connection = {
    executeQuery: async () => ({ rows: answers.shift() ?? [] }),
    streamQuery: () => {
      throw new Error("api-statements: no streaming here");
    },
  };
  const driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const db = new Kysely({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log: (event) => recorded.push(event.query),
  });
  const steps = new PostgresStepRepository(db);
  // The API reads a factor id with every kind's material once, learns its credential's kind from the row and from then
  // on runs that kind's read (step.repository.ts, kind hints): the first read answers a TOTP row so that the
  // repository learns the kind (the partial row is then refused: expected), and the second read is the one recorded.
  answers.push([{ c_type: "totp" }]);
  await steps.readForStep(tenant, MARK.attempt, factor).catch(() => null);
  const everyKind = recorded.at(-1)?.sql;
  recorded.length = 0;
  await steps.readForStep(tenant, MARK.attempt, factor); // finds no row here: nothing else runs
  if (recorded.length !== 1 || recorded[0].sql === everyKind)
    throw new Error("api-statements: the repository did not learn the credential's kind, so the read recorded is not the one the API runs");
  const at = MARK.at.getTime();
  const event = (type, factorId, data) => ({
    tenantId: tenant,
    type,
    at,
    actor: { kind: "api_key", id: "k" },
    userId: MARK.user,
    attemptId: MARK.attempt,
    factorId,
    data,
  });
  const written = await steps.writeIfUnchanged(
    tenant,
    MARK.user,
    {
      attempt: {
        tenantId: tenant,
        id: MARK.attempt,
        userId: MARK.user,
        chain: [factor],
        eligible: [factor],
        cursor: 1,
        status: "completed",
        version: 2,
        expiresAt: MARK.expiresAt.getTime(),
        completedAt: at,
      },
      expectedVersion: 1,
      claim: { kind: "time_step", credentialId: MARK.credential, step: MARK.step },
      lock: null,
      events: [event("attempt.step_succeeded", factor, { step: 1 }), event("attempt.completed", null, { steps: 1 })],
      at,
    },
    { consecutiveFailures: 0, lockCount: 0, lockedUntil: null },
  );
  await db.destroy();
  if (recorded.length !== 2 || written !== false)
    throw new Error(`api-statements: expected the read and the write, recorded ${recorded.length} statements`);
  const [read, write] = recorded.map((q) => ({ text: q.sql, values: binder(q.parameters) }));
  return { read, write };
}
