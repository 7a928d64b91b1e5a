import type { Credential } from "@mfa-chain/domain";
import type { AppError } from "../shared/application.errors.js";

/** What a client may see of an enrolled factor: never the secret (shown once, at enrollment). */
export const viewCredential = (c: Credential) => ({
  id: c.id,
  factorId: c.factorId,
  label: c.label,
  type: c.params.type,
  status: c.status,
  params: c.params,
  createdAt: c.createdAt,
  confirmedAt: c.confirmedAt,
  revokedAt: c.revokedAt,
});
export type CredentialView = ReturnType<typeof viewCredential>;

export const credentialNotFound = (credentialId: string): AppError => ({
  code: "credential_not_found",
  message: `no enrolled factor "${credentialId}" for this user`,
});
