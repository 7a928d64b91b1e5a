// Enforcement and remembered devices in memory, with the PostgreSQL adapter's observable behaviour (the storage
// contracts run against both). Its state is one part of the store's, snapshotted and restored with it.
import type { Instant } from "@mfa-chain/domain";
import type {
  DeviceRepository,
  EnforcementRepository,
  StoredDevice,
  StoredEnforcementRules,
  UserEnforcement,
} from "../../ports/enforcement.port.js";

export interface EnforcementState {
  readonly rules: Map<string, StoredEnforcementRules>;
  readonly users: Map<string, UserEnforcement>;
  readonly grace: Map<string, Instant>;
  readonly locations: Map<string, Map<string, Instant>>;
  readonly devices: Map<string, StoredDevice>;
}

export const emptyEnforcementState = (): EnforcementState => ({
  rules: new Map(),
  users: new Map(),
  grace: new Map(),
  locations: new Map(),
  devices: new Map(),
});

/** Values are replaced, never changed in place: a snapshot copies the containers (and the per-user location maps). */
export const cloneEnforcementState = (s: EnforcementState): EnforcementState => ({
  rules: new Map(s.rules),
  users: new Map(s.users),
  grace: new Map(s.grace),
  locations: new Map([...s.locations].map(([k, v]) => [k, new Map(v)])),
  devices: new Map(s.devices),
});

const key = (...parts: readonly (string | number)[]): string => JSON.stringify(parts);
// Plain JSON data only (numbers, strings, booleans, null, arrays, objects).
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class InMemoryEnforcementRepository implements EnforcementRepository {
  constructor(
    private readonly ref: () => EnforcementState,
    private readonly guard: () => void,
    private readonly now: () => Instant,
  ) {}

  private get s(): EnforcementState {
    this.guard();
    return this.ref();
  }

  async insertRules(rules: StoredEnforcementRules): Promise<boolean> {
    const k = key(rules.tenantId, rules.version);
    if (this.s.rules.has(k)) return false;
    this.s.rules.set(k, Object.freeze(copy(rules)));
    return true;
  }

  async latestRules(tenantId: string): Promise<StoredEnforcementRules | null> {
    const mine = [...this.s.rules.values()].filter((r) => r.tenantId === tenantId).sort((a, b) => b.version - a.version);
    return mine[0] ? copy(mine[0]) : null;
  }

  async findUser(tenantId: string, userId: string): Promise<UserEnforcement | null> {
    const u = this.s.users.get(key(tenantId, userId));
    return u ? copy(u) : null;
  }

  async saveUser(tenantId: string, userId: string, user: UserEnforcement): Promise<void> {
    this.s.users.set(key(tenantId, userId), Object.freeze(copy(user)));
  }

  async graceDeadline(tenantId: string, userId: string, graceMs: number): Promise<{ endsAt: Instant; now: Instant }> {
    const k = key(tenantId, userId);
    const now = this.now();
    const endsAt = this.s.grace.get(k) ?? now + graceMs;
    this.s.grace.set(k, endsAt);
    return { endsAt, now };
  }

  async locationsSeen(tenantId: string, userId: string): Promise<Map<string, Instant>> {
    return new Map(this.s.locations.get(key(tenantId, userId)) ?? []);
  }

  async recordLocation(tenantId: string, userId: string, locationKey: string, at: Instant, forgetBefore: Instant): Promise<void> {
    const k = key(tenantId, userId);
    const seen = new Map([...(this.s.locations.get(k) ?? [])].filter(([, last]) => last >= forgetBefore));
    seen.set(locationKey, Math.max(at, seen.get(locationKey) ?? at));
    this.s.locations.set(k, seen);
  }
}

export class InMemoryDeviceRepository implements DeviceRepository {
  constructor(
    private readonly ref: () => EnforcementState,
    private readonly guard: () => void,
  ) {}

  private get s(): EnforcementState {
    this.guard();
    return this.ref();
  }

  private mine(tenantId: string, userId: string): StoredDevice[] {
    return [...this.s.devices.values()].filter((d) => d.tenantId === tenantId && d.userId === userId);
  }

  async insert(device: StoredDevice): Promise<boolean> {
    const devices = [...this.s.devices.values()].filter((d) => d.tenantId === device.tenantId);
    if (devices.some((d) => d.attemptId === device.attemptId)) return false;
    if (devices.some((d) => d.id === device.id || d.tokenHash === device.tokenHash)) throw new Error(`device ${device.id}: duplicate key`);
    this.s.devices.set(key(device.tenantId, device.id), Object.freeze(copy(device)));
    return true;
  }

  async findByTokenHash(tenantId: string, userId: string, tokenHash: string): Promise<StoredDevice | null> {
    const d = this.mine(tenantId, userId).find((x) => x.tokenHash === tokenHash);
    return d ? copy(d) : null;
  }

  async rotate(tenantId: string, deviceId: string, oldHash: string, newHash: string, expiresAt: Instant, at: Instant): Promise<boolean> {
    const k = key(tenantId, deviceId);
    const d = this.s.devices.get(k);
    if (!d || d.tokenHash !== oldHash || d.revokedAt !== null) return false;
    this.s.devices.set(k, Object.freeze({ ...d, tokenHash: newHash, expiresAt, lastUsedAt: at }));
    return true;
  }

  async listByUser(tenantId: string, userId: string): Promise<StoredDevice[]> {
    return this.mine(tenantId, userId)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
      .map(copy);
  }

  async revoke(tenantId: string, userId: string, deviceId: string, at: Instant): Promise<boolean> {
    const k = key(tenantId, deviceId);
    const d = this.s.devices.get(k);
    if (!d || d.userId !== userId || d.revokedAt !== null) return false;
    this.s.devices.set(k, Object.freeze({ ...d, revokedAt: at }));
    return true;
  }

  async revokeAll(tenantId: string, userId: string, at: Instant): Promise<string[]> {
    const live = this.mine(tenantId, userId).filter((d) => d.revokedAt === null);
    for (const d of live) this.s.devices.set(key(tenantId, d.id), Object.freeze({ ...d, revokedAt: at }));
    return live.map((d) => d.id).sort();
  }
}
