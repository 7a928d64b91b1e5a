// Remembered devices (SPEC §4): after a completed attempt the relying party may ask for a device token; presented at the
// next decision, a valid token skips the chain for a new device and is replaced by a new one (the old one is refused
// from then on). Only a keyed hash of the current token is stored, bound to tenant and user; the user's devices are
// revoked when their factors change, or by a call of the relying party or an admin.
import {
  DAY_MS,
  DEFAULT_REMEMBER_DEVICE_DAYS,
  err,
  ok,
  type AuditActor,
  type AuditValue,
  type Instant,
  type Result,
} from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { DeviceRepository, LocationSource, StoredDevice } from "../ports/enforcement.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { Repositories, UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { LOCATION_FORGET_MS } from "./locations.js";

export interface DeviceDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly hasher: KeyedHasher;
  readonly locations: LocationSource;
}

/** A device token is asked for within this long of the attempt's completion. */
export const DEVICE_TOKEN_WINDOW_MS = 5 * 60 * 1000;
const TOKEN_PREFIX = "mfad_";

/** What a token's hash is bound to: its purpose, tenant and user (another user's token never matches). */
const tokenContext = (tenantId: string, userId: string) => ["remembered_device", tenantId, userId] as const;
/** A new token: the id generator's 192 bits from the CSPRNG (at least 128 by its contract). */
export const newDeviceToken = (ids: IdGenerator): string => `${TOKEN_PREFIX}${ids.newId()}`;
export const hashDeviceToken = (hasher: KeyedHasher, tenantId: string, userId: string, token: string): string =>
  hasher.hash(token, tokenContext(tenantId, userId));

export interface DeviceView {
  readonly id: string;
  readonly label: string;
  readonly createdAt: Instant;
  readonly lastUsedAt: Instant | null;
  readonly expiresAt: Instant;
  readonly revokedAt: Instant | null;
}

export interface IssuedDevice {
  readonly device: DeviceView;
  /** Shown once: the relying party keeps it on the device (a cookie) and sends it with the next decision. */
  readonly deviceToken: string;
}

export const viewDevice = (d: StoredDevice): DeviceView => ({
  id: d.id,
  label: d.label,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt,
  expiresAt: d.expiresAt,
  revokedAt: d.revokedAt,
});

type EventType = "device.remembered" | "device.rotated" | "device.refused" | "device.revoked";
export function deviceEvent(
  tenantId: string,
  type: EventType,
  at: Instant,
  actor: AuditActor,
  userId: string,
  data: Record<string, AuditValue>,
  attemptId: string | null = null,
) {
  return { tenantId, type, at, actor, userId, attemptId, factorId: null, data };
}

/**
 * Revokes every remembered device of a user whose factors changed (enroll, confirm, revoke), in the change's own
 * transaction, and audits it. A device remembered under the old factors must pass the new ones.
 */
export async function revokeRememberedDevices(
  repos: Repositories,
  tenantId: string,
  userId: string,
  at: Instant,
  actor: AuditActor,
  reason: string,
): Promise<void> {
  const revoked = await repos.devices.revokeAll(tenantId, userId, at);
  if (revoked.length > 0) {
    await repos.audit.append(deviceEvent(tenantId, "device.revoked", at, actor, userId, { reason, devices: revoked.join(",") }));
  }
}

const deviceNotFound = (deviceId: string): AppError => ({ code: "device_not_found", message: `no live remembered device "${deviceId}"` });

/** After a completed attempt: a device token for the attempt's user (one per attempt). */
export class RememberDevice {
  constructor(private readonly deps: DeviceDeps) {}

  async execute(input: { actor: Actor; attemptId: string; label?: string; ip?: string }): Promise<Result<IssuedDevice, AppError>> {
    const { tenantId } = input.actor;
    const lookup = input.ip === undefined ? null : this.deps.locations.locate(input.ip);
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const attempt = await repos.attempts.find(tenantId, input.attemptId);
      if (!attempt) return err<AppError>({ code: "attempt_not_found", message: `no attempt "${input.attemptId}"` });
      if (attempt.status !== "completed" || attempt.completedAt === null) {
        return err<AppError>({ code: "attempt_not_completed", message: `attempt "${attempt.id}" is ${attempt.status}, not completed` });
      }
      if (now - attempt.completedAt > DEVICE_TOKEN_WINDOW_MS) {
        return err<AppError>({
          code: "attempt_expired",
          message: `a device token is given within ${DEVICE_TOKEN_WINDOW_MS / 60000} minutes of the attempt's completion`,
        });
      }
      const rules = await repos.enforcement.latestRules(tenantId);
      const days = rules?.rememberDeviceDays ?? DEFAULT_REMEMBER_DEVICE_DAYS;
      await repos.users.lock(tenantId, attempt.userId, now);
      const deviceToken = newDeviceToken(this.deps.ids);
      const device: StoredDevice = {
        tenantId,
        id: `dev_${this.deps.ids.newId()}`,
        userId: attempt.userId,
        tokenHash: hashDeviceToken(this.deps.hasher, tenantId, attempt.userId, deviceToken),
        attemptId: attempt.id,
        label: input.label ?? "",
        createdAt: now,
        lastUsedAt: null,
        expiresAt: now + days * DAY_MS,
        revokedAt: null,
      };
      if (!(await repos.devices.insert(device))) {
        return err<AppError>({ code: "device_already_issued", message: `attempt "${attempt.id}" has given its device token already` });
      }
      // The chain was passed from here: the location counts as seen for this user.
      if (lookup?.kind === "known") {
        await repos.enforcement.recordLocation(tenantId, attempt.userId, lookup.key, now, now - LOCATION_FORGET_MS);
      }
      const actor = auditActor(input.actor);
      await repos.audit.append(
        deviceEvent(
          tenantId,
          "device.remembered",
          now,
          actor,
          attempt.userId,
          { deviceId: device.id, expiresAt: device.expiresAt },
          attempt.id,
        ),
      );
      return ok({ device: viewDevice(device), deviceToken });
    });
  }
}

export class ListDevices {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  async execute(input: { actor: Actor; userId: string }): Promise<DeviceView[]> {
    const devices = await this.deps.uow.run((repos) => repos.devices.listByUser(input.actor.tenantId, input.userId));
    return devices.map(viewDevice);
  }
}

/** Revokes one device of a user, or all of them (`deviceId` absent); audited with who asked. */
export class RevokeDevices {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: { actor: Actor; userId: string; deviceId?: string }): Promise<Result<{ revoked: string[] }, AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const devices: DeviceRepository = repos.devices;
      let revoked: string[];
      if (input.deviceId === undefined) revoked = await devices.revokeAll(tenantId, input.userId, now);
      else if (await devices.revoke(tenantId, input.userId, input.deviceId, now)) revoked = [input.deviceId];
      else return err(deviceNotFound(input.deviceId));
      if (revoked.length > 0) {
        const data = { reason: "requested", devices: revoked.join(","), by: input.actor.role };
        await repos.audit.append(deviceEvent(tenantId, "device.revoked", now, auditActor(input.actor), input.userId, data));
      }
      return ok({ revoked });
    });
  }
}
