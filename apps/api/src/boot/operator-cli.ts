// `create-operator` (issue 15): a console operator made outside demo mode, with the same use cases the API and the demo
// use (createOperatorWithTotp). The password comes from standard input, never from the command line; the TOTP secret
// and its otpauth:// URI are printed once. The other operator commands (disable, enable, reset the password or the
// authenticator) run OperatorAdmin's use cases; a reset authenticator is enrolled anew like a new operator's.
import type { AppError, AuthenticatorReset, OperatorRole } from "@mfa-chain/application";
import {
  ConsoleOperators,
  createKinds,
  createServices,
  DeliveryUnavailableError,
  OperatorAdmin,
  type MessageDelivery,
} from "@mfa-chain/application";
import { ok, type Result } from "@mfa-chain/domain";
import { Argon2PasswordHasher, CryptoRandomSource, RandomIdGenerator, SystemClock } from "@mfa-chain/crypto";
import { PostgresAuditReader, PostgresUnitOfWork, type createDatabase } from "@mfa-chain/infra-postgres";
import { otp } from "@mfa-chain/totp";
import { API_KEY_MINTER } from "./api-keys.js";
import type { loadCodeHasher } from "./code-hasher.js";
import type { loadKeyring } from "./keyring.js";
import { createOperatorWithTotp, enrollOperatorTotp, type CreatedOperator } from "./operators.js";

/** No code is sent by this command: a send is refused. */
const NO_DELIVERY: MessageDelivery = {
  send: (message) => Promise.reject(new DeliveryUnavailableError(message.channel, "operator commands send no codes", { retryable: false })),
};

export interface CreateOperatorArgs {
  readonly username: string;
  readonly role: OperatorRole;
  readonly scope: string | null;
  readonly password: string;
}

/** Checks the command's input (the use case checks the name, password and tenant); a message when it is wrong. */
export function checkOperatorArgs(args: {
  username: string | undefined;
  role: string | undefined;
  tenant: string | undefined;
  password: string;
}): CreateOperatorArgs | string {
  if (!args.username) return "create-operator: give the operator's name";
  if (args.role !== "admin" && args.role !== "viewer") return `create-operator: --role must be admin or viewer, not "${args.role ?? ""}"`;
  if (args.password === "") return "create-operator: give the password on standard input (one line)";
  return { username: args.username, role: args.role, scope: args.tenant ?? null, password: args.password };
}

/** The password: the first line of standard input (a pipe, or typed and ended with Ctrl-D). */
export async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? "";
}

/** The use cases an operator command enrolls an authenticator app with (the secret is sealed with the API's keys). */
function operatorServices(
  database: ReturnType<typeof createDatabase>,
  keyring: ReturnType<typeof loadKeyring>,
  codeHasher: ReturnType<typeof loadCodeHasher>,
) {
  const uow = new PostgresUnitOfWork(database.db);
  const clock = new SystemClock();
  const random = new CryptoRandomSource();
  const ids = new RandomIdGenerator();
  const services = createServices({
    uow,
    auditReader: new PostgresAuditReader(database.db),
    clock,
    random,
    ids,
    kinds: createKinds({
      otp,
      provisioner: otp,
      cipher: keyring.keyring,
      hasher: codeHasher.hasher,
      random,
      issuer: process.env.MFA_ISSUER || "mfa-chain",
    }),
    keys: API_KEY_MINTER,
    cipher: keyring.keyring,
    generator: otp,
    delivery: NO_DELIVERY,
    hasher: codeHasher.hasher,
  });
  const operators = new ConsoleOperators({
    uow,
    clock,
    ids,
    passwords: new Argon2PasswordHasher(),
    startAttempt: services.startAttempt,
    verifyStep: services.verifyStep,
    savePolicy: services.savePolicy,
  });
  return { uow, clock, services, operators };
}

export async function createOperatorCommand(
  database: ReturnType<typeof createDatabase>,
  keyring: ReturnType<typeof loadKeyring>,
  codeHasher: ReturnType<typeof loadCodeHasher>,
  args: CreateOperatorArgs,
): Promise<CreatedOperator> {
  const { clock, services, operators } = operatorServices(database, keyring, codeHasher);
  return createOperatorWithTotp(services, operators, args, () => clock.now());
}

/** disable-operator, enable-operator and reset-operator-password: no secret is sealed, so no keys are needed. */
export function operatorAdmin(database: ReturnType<typeof createDatabase>): OperatorAdmin {
  return new OperatorAdmin({ uow: new PostgresUnitOfWork(database.db), clock: new SystemClock(), passwords: new Argon2PasswordHasher() });
}

/**
 * reset-operator-authenticator: every factor of the operator revoked, their sessions ended and lockout cleared (one
 * transaction), then a new authenticator app enrolled and confirmed as create-operator does; its secret returned once.
 */
export async function resetOperatorAuthenticatorCommand(
  database: ReturnType<typeof createDatabase>,
  keyring: ReturnType<typeof loadKeyring>,
  codeHasher: ReturnType<typeof loadCodeHasher>,
  username: string,
): Promise<Result<AuthenticatorReset & CreatedOperator, AppError>> {
  const { uow, clock, services, operators } = operatorServices(database, keyring, codeHasher);
  const reset = await new OperatorAdmin({ uow, clock, passwords: new Argon2PasswordHasher() }).resetAuthenticator(username);
  if (!reset.ok) return reset;
  const made = await enrollOperatorTotp(services, operators, reset.value.operator, () => clock.now());
  return ok({ ...reset.value, ...made });
}
