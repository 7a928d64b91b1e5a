// `create-operator` (issue 15): a console operator made outside demo mode, with the same use cases the API and the demo
// use (createOperatorWithTotp). The password comes from standard input, never from the command line; the TOTP secret
// and its otpauth:// URI are printed once.
import type { OperatorRole } from "@mfa-chain/application";
import { ConsoleOperators, createKinds, createServices, DeliveryUnavailableError, type MessageDelivery } from "@mfa-chain/application";
import { Argon2PasswordHasher, CryptoRandomSource, RandomIdGenerator, SystemClock } from "@mfa-chain/crypto";
import { PostgresAuditReader, PostgresUnitOfWork, type createDatabase } from "@mfa-chain/infra-postgres";
import { otp } from "@mfa-chain/totp";
import { API_KEY_MINTER } from "./api-keys.js";
import type { loadCodeHasher } from "./code-hasher.js";
import type { loadKeyring } from "./keyring.js";
import { createOperatorWithTotp, type CreatedOperator } from "./operators.js";

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

export async function createOperatorCommand(
  database: ReturnType<typeof createDatabase>,
  keyring: ReturnType<typeof loadKeyring>,
  codeHasher: ReturnType<typeof loadCodeHasher>,
  args: CreateOperatorArgs,
): Promise<CreatedOperator> {
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
  return createOperatorWithTotp(services, operators, args, () => clock.now());
}
