// Creating a console operator with an authenticator app, as an operator command does (the demo start, tests): the
// console tenant and policy if missing, the operator with an argon2id password, and their TOTP factor enrolled and
// confirmed through the same use cases as any user's. The secret is returned once, for the caller to show or use.
import type { ConsoleOperators, OperatorRole, OperatorView, Services } from "@mfa-chain/application";
import { CONSOLE_POLICY, CONSOLE_TOTP_FACTOR } from "@mfa-chain/application";
import { decodeBase32, otp } from "@mfa-chain/totp";

export interface CreatedOperator {
  readonly operator: OperatorView;
  /** The authenticator app's secret (base32) and its otpauth:// URI: shown once, never stored in the clear. */
  readonly totpSecret: string;
  readonly otpauthUri: string;
}

export interface OperatorInput {
  readonly username: string;
  readonly password: string;
  readonly role: OperatorRole;
  /** The one tenant the operator works on; null for every tenant. */
  readonly scope: string | null;
}

export async function createOperatorWithTotp(
  services: Services,
  operators: ConsoleOperators,
  input: OperatorInput,
  now: () => number,
): Promise<CreatedOperator> {
  await operators.ensureConsole();
  const created = await operators.createOperator(input);
  if (!created.ok) throw new Error(`operator: ${created.error.message}`);
  return enrollOperatorTotp(services, operators, created.value, now);
}

/**
 * Enrolls and confirms an authenticator app for an operator who has no active factor (a new one, or one whose factors
 * reset-operator-authenticator revoked): the secret is returned once.
 */
export async function enrollOperatorTotp(
  services: Services,
  operators: ConsoleOperators,
  operator: OperatorView,
  now: () => number,
): Promise<CreatedOperator> {
  const actor = operators.actorFor(operator.id);
  const enrolled = await services.enrollFactor.execute({
    actor,
    userId: operator.id,
    policyId: CONSOLE_POLICY,
    factorId: CONSOLE_TOTP_FACTOR,
  });
  if (!enrolled.ok) throw new Error(`operator's authenticator: ${enrolled.error.message}`);
  const shown = enrolled.value.shown as { readonly secret?: string; readonly otpauthUri?: string };
  if (typeof shown.secret !== "string" || typeof shown.otpauthUri !== "string")
    throw new Error("operator's authenticator: no secret shown");
  const code = otp.generateTotp(decodeBase32(shown.secret), now(), { algorithm: "SHA1", digits: 6, period: 30 });
  const confirmed = await services.confirmFactor.execute({ actor, userId: operator.id, credentialId: enrolled.value.credential.id, code });
  if (!confirmed.ok) throw new Error(`operator's authenticator: ${confirmed.error.message}`);
  return { operator, totpSecret: shown.secret, otpauthUri: shown.otpauthUri };
}
