// Demo mode: a demo tenant with a policy of two authenticator apps and a set of backup codes (any two of them, in random
// order), created on first start, and a key for the demo page, issued afresh at every start (the previous one revoked).
// Also, once: a second policy (the authenticator app, then an emailed code) and enforcement rules for the sign-in
// decision the page demonstrates (new device → chain → remembered device).
import type { Actor, Services } from "@mfa-chain/application";

export const DEMO_TENANT = "demo";
export const DEMO_POLICY = "demo-login";
const DEMO_PAGE_KEY = "demo page";

// A slot is one factor of one kind, so backup codes are a slot of their own: any two of the three pass, and a user who
// lost a phone signs in with the other app and one backup code.
export const DEMO_POLICY_DEFINITION = {
  name: "Demo: any two of two authenticator apps and backup codes",
  mode: "random",
  requiredSteps: 2,
  factors: [
    { id: "google_auth", label: "Google Authenticator", type: "totp" },
    { id: "ms_auth", label: "Microsoft Authenticator", type: "totp" },
    { id: "backup_codes", label: "Backup codes", type: "backup_code" },
  ],
} as const;

// The step-up policy of the demo: the Google Authenticator slot (the same enrollment as in the main policy: a credential
// passes every slot of its id and kind), then a code emailed to the user (the development outbox in demo mode).
export const DEMO_EMAIL_POLICY = "demo-email";
export const DEMO_EMAIL_POLICY_DEFINITION = {
  name: "Demo: authenticator app, then an emailed code",
  mode: "fixed",
  requiredSteps: 2,
  factors: [
    { id: "google_auth", label: "Google Authenticator", type: "totp" },
    { id: "email", label: "Email", type: "email" },
  ],
} as const;

// Who must pass what at sign-in (docs/enforcement.md): everyone the main policy; a sensitive action or a new location
// (with GEOIP_DATABASE) the email policy. Set once, on a tenant without rules: an admin's later rules are kept.
export const DEMO_SENSITIVE_ACTION = "change_email";
const DEMO_ENFORCEMENT = {
  requirements: [{ appliesTo: { kind: "all" }, policyId: DEMO_POLICY }],
  stepUp: { policyId: DEMO_EMAIL_POLICY, actions: [DEMO_SENSITIVE_ACTION], onNewLocation: true },
  gracePeriodDays: 30,
  rememberDeviceDays: 30,
} as const;

/** The demo policy as earlier versions created it (two authenticator apps, in order). */
const EARLIER_DEMO_POLICY = {
  name: "Demo: two authenticator apps, in order",
  mode: "fixed",
  requiredSteps: 2,
  factors: "google_auth:totp,ms_auth:totp",
};

interface StoredDemoPolicy {
  readonly name: string;
  readonly mode: string;
  readonly requiredSteps: number;
  readonly factors: readonly { readonly id: string; readonly type: string }[];
}

/** Whether the stored demo policy is still the earlier built-in one (its name, mode and slots unchanged). */
const isEarlierDemoPolicy = (p: StoredDemoPolicy): boolean =>
  p.name === EARLIER_DEMO_POLICY.name &&
  p.mode === EARLIER_DEMO_POLICY.mode &&
  p.requiredSteps === EARLIER_DEMO_POLICY.requiredSteps &&
  p.factors.map((f) => `${f.id}:${f.type}`).join(",") === EARLIER_DEMO_POLICY.factors;

export interface DemoSetup {
  readonly apiKey: string;
  readonly policyId: string;
  /** The step-up policy: the authenticator app, then an emailed code. */
  readonly emailPolicyId: string;
  /** Present on the start that created the tenant: its admin key, to print once. */
  readonly createdAdminKey?: string;
}

export async function ensureDemo(services: Services): Promise<DemoSetup> {
  // The first start creates the tenant (another process starting at the same moment may have got there first).
  const created = await services.createTenant.execute({ tenantId: DEMO_TENANT, name: "Demo tenant", role: "admin" });
  if (!created.ok && created.error.code !== "tenant_exists") throw new Error(`demo tenant: ${created.error.message}`);
  const createdAdminKey = created.ok ? created.value.apiKey : undefined;
  // The demo page may unlock its own users, so its key is an admin key of the demo tenant only; a new one each start.
  const issued = await services.issueApiKey.execute({ tenantId: DEMO_TENANT, name: DEMO_PAGE_KEY, role: "admin", replacing: true });
  if (!issued.ok) throw new Error(`demo page key: ${issued.error.message}`);
  const page = issued.value;
  const actor: Actor = { tenantId: DEMO_TENANT, keyId: page.keyId, role: "admin" };
  const existing = await services.getPolicy.execute({ actor, policyId: DEMO_POLICY });
  if (!existing.ok) {
    const saved = await services.savePolicy.execute({ actor, policyId: DEMO_POLICY, definition: DEMO_POLICY_DEFINITION, mode: "create" });
    if (!saved.ok) throw new Error(`demo policy: ${saved.error.message}`);
  } else if (isEarlierDemoPolicy(existing.value)) {
    // A database from an earlier version gets the backup-code slot as a new version; its other settings are kept.
    const { verifyWindow, attemptTtlSeconds, lockout } = existing.value;
    const definition = { ...DEMO_POLICY_DEFINITION, verifyWindow, attemptTtlSeconds, lockout };
    const saved = await services.savePolicy.execute({ actor, policyId: DEMO_POLICY, definition, mode: "update" });
    // Another process starting at the same moment may have written the new version first.
    if (!saved.ok && saved.error.code !== "policy_exists") throw new Error(`demo policy: ${saved.error.message}`);
  }
  // The email policy and the rules are created once (a database from an earlier version gets them on its next start).
  if (!(await services.getPolicy.execute({ actor, policyId: DEMO_EMAIL_POLICY })).ok) {
    const saved = await services.savePolicy.execute({
      actor,
      policyId: DEMO_EMAIL_POLICY,
      definition: DEMO_EMAIL_POLICY_DEFINITION,
      mode: "create",
    });
    if (!saved.ok && saved.error.code !== "policy_exists") throw new Error(`demo email policy: ${saved.error.message}`);
  }
  if (!(await services.getEnforcementRules.execute({ actor })).ok) {
    // Another process starting at the same moment may save them first (this save then fails on the version): fine.
    const saved = await services.setEnforcementRules.execute({ actor, rules: DEMO_ENFORCEMENT }).catch(async (error: unknown) => {
      if ((await services.getEnforcementRules.execute({ actor })).ok) return null;
      throw error;
    });
    if (saved && !saved.ok) throw new Error(`demo enforcement rules: ${saved.error.message}`);
  }
  return { apiKey: page.apiKey, policyId: DEMO_POLICY, emailPolicyId: DEMO_EMAIL_POLICY, ...(createdAdminKey ? { createdAdminKey } : {}) };
}
