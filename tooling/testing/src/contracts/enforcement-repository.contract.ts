// EnforcementRepository and DeviceRepository: rules by version, users' groups and flags, a grace deadline fixed once,
// locations remembered and forgotten, devices found only by their user's token hash and rotated once; per tenant.
import type { StoredDevice, StoredEnforcementRules } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { freshTenant, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

const DAY = 24 * 60 * 60 * 1000;
const hash = (n: number) => n.toString(16).padStart(64, "0");

export const sampleRules = (tenantId: string, version: number): StoredEnforcementRules => ({
  tenantId,
  version,
  createdAt: T0,
  requirements: [
    { appliesTo: { kind: "groups", groups: ["admins"] }, policyId: "strong" },
    { appliesTo: { kind: "all" }, policyId: "standard" },
  ],
  stepUp: { policyId: "step-up", actions: ["wire_transfer"], onNewLocation: true },
  gracePeriodDays: 30,
  rememberDeviceDays: 30,
});

export const sampleDevice = (tenantId: string, id: string, o: Partial<StoredDevice> = {}): StoredDevice => ({
  tenantId,
  id,
  userId: "alice",
  tokenHash: hash(1),
  attemptId: `at_${id}`,
  label: "laptop",
  createdAt: T0,
  lastUsedAt: null,
  expiresAt: T0 + 30 * DAY,
  revokedAt: null,
  ...o,
});

export function describeEnforcementRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`EnforcementRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("keeps rule versions; the latest is the highest; a version is written once; another tenant has none", async () => {
      const t = freshTenant();
      expect(await run((r) => r.enforcement.latestRules(t))).toBeNull();
      expect(await run((r) => r.enforcement.insertRules(sampleRules(t, 1)))).toBe(true);
      expect(await run((r) => r.enforcement.insertRules(sampleRules(t, 1)))).toBe(false);
      const v2 = { ...sampleRules(t, 2), stepUp: null, gracePeriodDays: 0 };
      expect(await run((r) => r.enforcement.insertRules(v2))).toBe(true);
      expect(await run((r) => r.enforcement.latestRules(t))).toEqual(v2);
      expect(await run((r) => r.enforcement.latestRules(freshTenant()))).toBeNull();
    });

    it("saves and replaces a user's groups and flag", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.users.lock(t, "alice", T0);
        await r.enforcement.saveUser(t, "alice", { groups: ["admins"], serviceAccount: false, updatedAt: T0 });
        await r.enforcement.saveUser(t, "alice", { groups: ["ops", "x"], serviceAccount: true, updatedAt: T0 + 1 });
      });
      expect(await run((r) => r.enforcement.findUser(t, "alice"))).toEqual({
        groups: ["ops", "x"],
        serviceAccount: true,
        updatedAt: T0 + 1,
      });
      expect(await run((r) => r.enforcement.findUser(t, "bob"))).toBeNull();
      expect(await run((r) => r.enforcement.findUser(freshTenant(), "alice"))).toBeNull();
    });

    it("fixes a grace deadline at first sight by its own clock and never moves it", async () => {
      const t = freshTenant();
      const first = await run(async (r) => {
        await r.users.lock(t, "alice", T0);
        return r.enforcement.graceDeadline(t, "alice", 30 * DAY);
      });
      expect(first.endsAt - first.now).toBe(30 * DAY);
      const again = await run((r) => r.enforcement.graceDeadline(t, "alice", DAY));
      expect(again.endsAt).toBe(first.endsAt);
      expect(again.now).toBeGreaterThanOrEqual(first.now);
    });

    it("remembers locations with their last sighting and forgets those not seen since the cut-off", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.users.lock(t, "alice", T0);
        await r.enforcement.recordLocation(t, "alice", "country:GB", T0, T0 - 90 * DAY);
        await r.enforcement.recordLocation(t, "alice", "country:GB", T0 - DAY, T0 - 90 * DAY);
        await r.enforcement.recordLocation(t, "alice", "country:FR", T0 + DAY, T0 - 90 * DAY);
      });
      expect(await run((r) => r.enforcement.locationsSeen(t, "alice"))).toEqual(
        new Map([
          ["country:GB", T0],
          ["country:FR", T0 + DAY],
        ]),
      );
      await run((r) => r.enforcement.recordLocation(t, "alice", "network:AS1", T0 + 100 * DAY, T0 + 0.5 * DAY));
      expect([...(await run((r) => r.enforcement.locationsSeen(t, "alice"))).keys()].sort()).toEqual(["country:FR", "network:AS1"]);
      expect((await run((r) => r.enforcement.locationsSeen(freshTenant(), "alice"))).size).toBe(0);
    });
  });

  describe(`DeviceRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("remembers one device per attempt, found only by its user's current token hash", async () => {
      const t = freshTenant();
      await run((r) => r.users.lock(t, "alice", T0));
      expect(await run((r) => r.devices.insert(sampleDevice(t, "d1")))).toBe(true);
      expect(await run((r) => r.devices.insert(sampleDevice(t, "d2", { attemptId: "at_d1", tokenHash: hash(2) })))).toBe(false);
      expect(await run((r) => r.devices.findByTokenHash(t, "alice", hash(1)))).toEqual(sampleDevice(t, "d1"));
      expect(await run((r) => r.devices.findByTokenHash(t, "bob", hash(1)))).toBeNull();
      expect(await run((r) => r.devices.findByTokenHash(freshTenant(), "alice", hash(1)))).toBeNull();
    });

    it("rotates a token once; the old hash then finds nothing", async () => {
      const t = freshTenant();
      await run((r) => r.users.lock(t, "alice", T0));
      await run((r) => r.devices.insert(sampleDevice(t, "d1")));
      expect(await run((r) => r.devices.rotate(t, "d1", hash(1), hash(3), T0 + 40 * DAY, T0 + DAY))).toBe(true);
      expect(await run((r) => r.devices.rotate(t, "d1", hash(1), hash(4), T0 + 40 * DAY, T0 + DAY))).toBe(false);
      expect(await run((r) => r.devices.findByTokenHash(t, "alice", hash(1)))).toBeNull();
      expect(await run((r) => r.devices.findByTokenHash(t, "alice", hash(3)))).toEqual(
        sampleDevice(t, "d1", { tokenHash: hash(3), expiresAt: T0 + 40 * DAY, lastUsedAt: T0 + DAY }),
      );
    });

    it("lists a user's devices newest first, revokes one or all, and a revoked one no longer rotates", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.users.lock(t, "alice", T0);
        await r.devices.insert(sampleDevice(t, "d1"));
        await r.devices.insert(sampleDevice(t, "d2", { tokenHash: hash(2), createdAt: T0 + 1 }));
        await r.devices.insert(sampleDevice(t, "d3", { tokenHash: hash(3), createdAt: T0 + 2 }));
      });
      expect((await run((r) => r.devices.listByUser(t, "alice"))).map((d) => d.id)).toEqual(["d3", "d2", "d1"]);
      expect(await run((r) => r.devices.revoke(t, "bob", "d1", T0))).toBe(false);
      expect(await run((r) => r.devices.revoke(t, "alice", "d1", T0 + 5))).toBe(true);
      expect(await run((r) => r.devices.revoke(t, "alice", "d1", T0 + 5))).toBe(false);
      expect(await run((r) => r.devices.rotate(t, "d1", hash(1), hash(9), T0, T0))).toBe(false);
      expect(await run((r) => r.devices.revokeAll(t, "alice", T0 + 6))).toEqual(["d2", "d3"]);
      expect(await run((r) => r.devices.revokeAll(t, "alice", T0 + 7))).toEqual([]);
      expect((await run((r) => r.devices.listByUser(t, "alice"))).map((d) => d.revokedAt)).toEqual([T0 + 6, T0 + 6, T0 + 5]);
      expect(await run((r) => r.devices.listByUser(freshTenant(), "alice"))).toEqual([]);
    });
  });
}
