import type { Credential } from "@mfa-chain/domain";
import { kindFor, type Kinds } from "../kinds/index.js";
import type { StoredCredential } from "../ports/repositories.port.js";
import type { AppError } from "../shared/application.errors.js";

/** What a client may see of an enrolled factor: never its secret or codes (shown once, at enrollment). */
export interface CredentialView {
  readonly id: string;
  readonly factorId: string;
  readonly label: string;
  readonly type: Credential["params"]["type"];
  readonly status: Credential["status"];
  readonly params: Credential["params"];
  readonly createdAt: number;
  readonly confirmedAt: number | null;
  readonly revokedAt: number | null;
  /** Backup codes: how many of the set are unused. */
  readonly remaining?: number;
  /** Email, SMS: where codes go, masked (`a***@example.com`, `+44******789`). */
  readonly destination?: string;
  /** Push: the enrolled device, once it proved its key (never the key itself). */
  readonly pushDevice?: { readonly name: string; readonly algorithm: "ES256" | "Ed25519"; readonly enrolledAt: number };
}

export const viewCredential = (kinds: Kinds, c: StoredCredential): CredentialView => ({
  id: c.id,
  factorId: c.factorId,
  label: c.label,
  type: c.params.type,
  status: c.status,
  params: c.params,
  createdAt: c.createdAt,
  confirmedAt: c.confirmedAt,
  revokedAt: c.revokedAt,
  ...kindFor(kinds, c.params.type).view(c),
});

export const credentialNotFound = (credentialId: string): AppError => ({
  code: "credential_not_found",
  message: `no enrolled factor "${credentialId}" for this user`,
});
