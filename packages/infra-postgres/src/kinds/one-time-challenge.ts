// The one update every claim on the challenge store starts from (a sent code consumed or tried, a WebAuthn challenge
// spent or consumed by an assertion, a push answer verified): the step's challenge of this purpose and id, for this
// credential, not consumed yet. Each claim adds its own guard (hash, tries, expiry, counter) and what it sets.
import type { QueryCreator } from "kysely";
import type { Database } from "../database/schema.js";

export const unusedChallenge = (qc: QueryCreator<Database>, tenantId: string, credentialId: string, purpose: string, challengeId: string) =>
  qc
    .updateTable("one_time_challenges")
    .where("one_time_challenges.tenant_id", "=", tenantId)
    .where("one_time_challenges.purpose", "=", purpose)
    .where("one_time_challenges.id", "=", challengeId)
    .where("one_time_challenges.credential_id", "=", credentialId)
    .where("one_time_challenges.consumed_at", "is", null);
