// Demo mode: a demo tenant with a two-authenticator policy, created on first start, and a key for the demo page,
// issued afresh at every start (the previous one revoked).
import type { Actor } from "@mfa-chain/application";
import { ApiKeyRepository, TenantRepository, type Db } from "@mfa-chain/infra-postgres";
import type { Services } from "../services.js";
import { createTenant, issueApiKey } from "./api-keys.js";

export const DEMO_TENANT = "demo";
export const DEMO_POLICY = "demo-login";
const DEMO_PAGE_KEY = "demo page";

export const DEMO_POLICY_DEFINITION = {
  name: "Demo: two authenticator apps, in order",
  mode: "fixed",
  requiredSteps: 2,
  factors: [
    { id: "google_auth", label: "Google Authenticator", type: "totp" },
    { id: "ms_auth", label: "Microsoft Authenticator", type: "totp" },
  ],
} as const;

export interface DemoSetup {
  readonly apiKey: string;
  readonly policyId: string;
  /** Present on the start that created the tenant: its admin key, to print once. */
  readonly createdAdminKey?: string;
}

export async function ensureDemo(db: Db, services: Services, now: number): Promise<DemoSetup> {
  let createdAdminKey: string | undefined;
  if (!(await new TenantRepository(db).find(DEMO_TENANT))) {
    createdAdminKey = (await createTenant(db, { id: DEMO_TENANT, name: "Demo tenant", role: "admin", now })).apiKey;
  }
  await new ApiKeyRepository(db).revokeByName(DEMO_TENANT, DEMO_PAGE_KEY, now);
  // The demo page may unlock its own users, so its key is an admin key of the demo tenant only.
  const page = await issueApiKey(db, DEMO_TENANT, DEMO_PAGE_KEY, "admin", now);
  const actor: Actor = { tenantId: DEMO_TENANT, keyId: page.keyId, role: "admin" };
  const existing = await services.getPolicy.execute({ actor, policyId: DEMO_POLICY });
  if (!existing.ok) {
    const saved = await services.savePolicy.execute({ actor, policyId: DEMO_POLICY, definition: DEMO_POLICY_DEFINITION, mode: "create" });
    if (!saved.ok) throw new Error(`demo policy: ${saved.error.message}`);
  }
  return { apiKey: page.apiKey, policyId: DEMO_POLICY, ...(createdAdminKey ? { createdAdminKey } : {}) };
}
