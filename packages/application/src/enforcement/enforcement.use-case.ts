// Enforcement (SPEC §4): the tenant's rules (admin key, versioned, audited), a user's groups and service-account flag
// (the flag only with an admin key), and the decision a relying party asks for at sign-in. The rules of the decision
// are the domain's (enforcement/enforcement.ts); this gathers its facts: the user's factors and groups, their grace
// deadline (fixed at first sight by the database clock), the remembered-device token (rotated on use) and the location.
import {
  checkEnforcementRules,
  DAY_MS,
  decide,
  DEFAULT_REMEMBER_DEVICE_DAYS,
  err,
  findLocation,
  inScope,
  ok,
  policiesNamedBy,
  type Decision,
  type EnforcementRulesInput,
  type Instant,
  type LocationFinding,
  type Result,
} from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { StoredEnforcementRules } from "../ports/enforcement.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { deviceEvent, hashDeviceToken, newDeviceToken, type DeviceDeps } from "./devices.use-case.js";
import { LOCATION_FORGET_MS } from "./locations.js";

export interface EnforcementRulesView extends EnforcementRulesInput {
  readonly version: number;
  readonly createdAt: Instant;
}

const viewRules = (r: StoredEnforcementRules): EnforcementRulesView => ({
  version: r.version,
  requirements: r.requirements,
  stepUp: r.stepUp,
  gracePeriodDays: r.gracePeriodDays,
  rememberDeviceDays: r.rememberDeviceDays,
  createdAt: r.createdAt,
});

const adminOnly = (what: string): AppError => ({ code: "forbidden", message: `${what} needs an admin key` });

/** Saves a new version of the tenant's rules (admin key). Every policy they name must exist. */
export class SetEnforcementRules {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: { actor: Actor; rules: EnforcementRulesInput }): Promise<Result<EnforcementRulesView, AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly("setting the enforcement rules"));
    const checked = checkEnforcementRules(input.rules);
    if (!checked.ok) {
      return err({ code: "invalid_input", message: checked.error.map((i) => `${i.field}: ${i.message}`).join("; ") });
    }
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      for (const policyId of policiesNamedBy(checked.value)) {
        if (!(await repos.policies.findLatest(tenantId, policyId))) {
          return err<AppError>({ code: "policy_not_found", message: `the rules name policy "${policyId}", which does not exist` });
        }
      }
      const now = this.deps.clock.now();
      const latest = await repos.enforcement.latestRules(tenantId);
      const stored: StoredEnforcementRules = { ...checked.value, tenantId, version: (latest?.version ?? 0) + 1, createdAt: now };
      // A concurrent save of the same version makes this one fail: the transaction rolls back, the caller may retry.
      if (!(await repos.enforcement.insertRules(stored)))
        throw new Error(`enforcement rules version ${stored.version} was saved concurrently`);
      await repos.audit.append({
        tenantId,
        type: "enforcement.rules_set",
        at: now,
        actor: auditActor(input.actor),
        userId: null,
        attemptId: null,
        factorId: null,
        data: { version: stored.version, policies: policiesNamedBy(stored).join(",") },
      });
      return ok(viewRules(stored));
    });
  }
}

export class GetEnforcementRules {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  async execute(input: { actor: Actor }): Promise<Result<EnforcementRulesView, AppError>> {
    const rules = await this.deps.uow.run((repos) => repos.enforcement.latestRules(input.actor.tenantId));
    if (!rules) return err({ code: "enforcement_rules_not_found", message: "the tenant has set no enforcement rules" });
    return ok(viewRules(rules));
  }
}

export interface UserEnforcementView {
  readonly userId: string;
  readonly groups: readonly string[];
  readonly serviceAccount: boolean;
}

/** Sets a user's groups and, with an admin key only, their service-account flag; audited. */
export class SetUserEnforcement {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: {
    actor: Actor;
    userId: string;
    groups?: readonly string[];
    serviceAccount?: boolean;
  }): Promise<Result<UserEnforcementView, AppError>> {
    if (input.serviceAccount !== undefined && input.actor.role !== "admin") return err(adminOnly("the service-account flag"));
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      await repos.users.lock(tenantId, input.userId, now);
      const before = await repos.enforcement.findUser(tenantId, input.userId);
      const groups = [...new Set(input.groups ?? before?.groups ?? [])].sort();
      const serviceAccount = input.serviceAccount ?? before?.serviceAccount ?? false;
      await repos.enforcement.saveUser(tenantId, input.userId, { groups, serviceAccount, updatedAt: now });
      await repos.audit.append({
        tenantId,
        type: "enforcement.user_set",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: null,
        data: {
          groups: groups.join(","),
          serviceAccount,
          serviceAccountChanged: serviceAccount !== (before?.serviceAccount ?? false),
        },
      });
      return ok({ userId: input.userId, groups, serviceAccount });
    });
  }
}

export class GetUserEnforcement {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  async execute(input: { actor: Actor; userId: string }): Promise<UserEnforcementView> {
    const user = await this.deps.uow.run((repos) => repos.enforcement.findUser(input.actor.tenantId, input.userId));
    return { userId: input.userId, groups: user?.groups ?? [], serviceAccount: user?.serviceAccount ?? false };
  }
}

export interface DecisionContext {
  readonly ip: string;
  readonly userAgent: string;
  readonly deviceToken?: string;
  readonly action?: string;
}

export interface DecisionView extends Decision {
  /** The rules' version decided under; null without rules. */
  readonly rulesVersion: number | null;
  /** The remembered device's new token when a valid one was presented (the old one is refused from now on). */
  readonly device: { readonly id: string; readonly token: string; readonly expiresAt: Instant } | null;
}

/**
 * The sign-in decision. One transaction, holding the user (UserRepository.lock), so two decisions of one user run one
 * after the other and a device token is rotated once. Audited (enforcement.decided), as is a refused token.
 */
export class Decide {
  constructor(private readonly deps: DeviceDeps) {}

  async execute(input: { actor: Actor; userId: string; context: DecisionContext }): Promise<DecisionView> {
    const { tenantId } = input.actor;
    const { userId, context } = input;
    const lookup = this.deps.locations.locate(context.ip);
    const actor = auditActor(input.actor);
    return this.deps.uow.run(async (repos) => {
      let now = this.deps.clock.now();
      await repos.users.lock(tenantId, userId, now);
      const rules = await repos.enforcement.latestRules(tenantId);
      const user = await repos.enforcement.findUser(tenantId, userId);
      const groups = user?.groups ?? [];
      const serviceAccount = user?.serviceAccount ?? false;
      const hasActiveFactor = (await repos.credentials.listByUser(tenantId, userId)).some((c) => c.status === "active");
      let graceEndsAt: Instant | null = null;
      if (rules && !hasActiveFactor && inScope(rules, groups, serviceAccount)) {
        // Fixed at first sight by the database clock, never renewed; the decision compares with that clock too.
        const grace = await repos.enforcement.graceDeadline(tenantId, userId, rules.gracePeriodDays * DAY_MS);
        graceEndsAt = grace.endsAt;
        now = grace.now;
      }

      let device: DecisionView["device"] = null;
      if (context.deviceToken !== undefined) {
        const hash = hashDeviceToken(this.deps.hasher, tenantId, userId, context.deviceToken);
        const found = await repos.devices.findByTokenHash(tenantId, userId, hash);
        const refusal = !found ? "unknown_token" : found.revokedAt !== null ? "revoked" : found.expiresAt <= now ? "expired" : null;
        if (found && refusal === null) {
          const token = newDeviceToken(this.deps.ids);
          const days = rules?.rememberDeviceDays ?? DEFAULT_REMEMBER_DEVICE_DAYS;
          const expiresAt = now + days * DAY_MS;
          const newHash = hashDeviceToken(this.deps.hasher, tenantId, userId, token);
          if (await repos.devices.rotate(tenantId, found.id, hash, newHash, expiresAt, now)) {
            device = { id: found.id, token, expiresAt };
            await repos.audit.append(deviceEvent(tenantId, "device.rotated", now, actor, userId, { deviceId: found.id, expiresAt }));
          }
        } else {
          const data = { reason: refusal ?? "unknown_token", deviceId: found?.id ?? null };
          await repos.audit.append(deviceEvent(tenantId, "device.refused", now, actor, userId, data));
        }
      }

      let location: LocationFinding = { kind: "unknown" };
      if (lookup.kind === "known") location = findLocation(lookup, await repos.enforcement.locationsSeen(tenantId, userId), now);
      const decision = decide({
        rules,
        groups,
        serviceAccount,
        hasActiveFactor,
        graceEndsAt,
        now,
        deviceTrusted: device !== null,
        location,
        action: context.action ?? null,
      });
      // A location counts as seen once the user got in from it without a chain, or passed one (RememberDevice).
      if (lookup.kind === "known" && decision.require === "none") {
        await repos.enforcement.recordLocation(tenantId, userId, lookup.key, now, now - LOCATION_FORGET_MS);
      }
      await repos.audit.append({
        tenantId,
        type: "enforcement.decided",
        at: now,
        actor,
        userId,
        attemptId: null,
        factorId: null,
        data: {
          require: decision.require,
          policyId: decision.policyId,
          reasons: decision.reasons.join(","),
          rulesVersion: rules?.version ?? null,
          location: lookup.kind === "known" ? lookup.key : "unknown",
          deviceId: device?.id ?? null,
          action: context.action ?? null,
          clientAddress: context.ip,
        },
      });
      return { ...decision, rulesVersion: rules?.version ?? null, device };
    });
  }
}
