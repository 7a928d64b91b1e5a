// The admin console's operators over a TestApp, for the operator use-case tests: a stand-in for argon2id, the console
// wired over the app's store and use cases, and an operator made with a confirmed authenticator app.
import { CONSOLE_POLICY, CONSOLE_TOTP_FACTOR, ConsoleOperators, type ConsoleDeps, type PasswordHasher } from "../../index.js";
import { unwrap, type TestApp } from "./test-app.js";

/** A stand-in for argon2id: the same shape of answer, no work. */
export const fakePasswords: PasswordHasher = {
  hash: async (p) => `$argon2id$fake$${p}`,
  verify: async (h, p) => h === `$argon2id$fake$${p}`,
};

/** The console's operators over the app (its store, clock, ids and use cases) with fakePasswords; `extra` adds the rest. */
export function consoleOperatorsOf(app: TestApp, extra: Partial<ConsoleDeps> = {}): ConsoleOperators {
  return new ConsoleOperators({
    uow: app.uow,
    clock: app.clock,
    ids: app.ids,
    passwords: fakePasswords,
    startAttempt: app.startAttempt,
    verifyStep: app.verifyStep,
    savePolicy: app.savePolicy,
    ...extra,
  });
}

/**
 * The console set up and an admin operator of every tenant made with `password`, their authenticator app confirmed;
 * then the clock a period on, so that a sign-in's code is not the confirmation's. Returns the operator's id.
 */
export async function givenConsoleOperator(app: TestApp, operators: ConsoleOperators, username: string, password: string): Promise<string> {
  await operators.ensureConsole();
  const operatorId = unwrap(await operators.createOperator({ username, password, role: "admin", scope: null }), "createOperator").id;
  const actor = operators.actorFor(operatorId);
  await app.confirm(operatorId, await app.enroll(operatorId, CONSOLE_POLICY, CONSOLE_TOTP_FACTOR, { actor }), actor);
  app.nextPeriod();
  return operatorId;
}
