// The new-location rule over HTTP against a real PostgreSQL, with the MaxMind adapter reading a .mmdb database the test
// builds (nothing is downloaded): a sign-in from a new country → the step-up policy; the same country again → no step-up
// for that reason; IPv6; a network from an ASN database; 90 days later a country is new again; a private or unlisted
// address → never a lock-out (the documented fallback: the decision rests on the device alone).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asnRecord, buildMmdb, countryRecord } from "@mfa-chain/geoip/testing";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  enrollAll,
  passChain as passPolicyChain,
  startTestApi,
  twoFactorPolicy,
  uniqueId,
  type ApiClient,
  type Authenticator,
  type TestApi,
} from "./support/api.js";

const database = useTestDatabase("api_locations");
let api: TestApi;
let admin: ApiClient;
let dir: string;
const base = twoFactorPolicy("standard");
const stepUp = { ...base, id: "step-up", name: "Step-up", requiredSteps: 1 };

const GB = "81.2.69.142";
const GB_OTHER = "81.2.69.7";
const SE = "89.160.20.128";
const NO_V6 = "2a02:cf40::17";
const TELSTRA = "1.130.4.5"; // listed in the ASN database only
const UNLISTED = "8.8.8.8"; // public, in neither database

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mfa-locations-"));
  const countries = join(dir, "country.mmdb");
  const networks = join(dir, "asn.mmdb");
  writeFileSync(
    countries,
    buildMmdb({
      databaseType: "GeoLite2-Country",
      networks: [
        { cidr: "81.2.69.0/24", data: countryRecord("GB") },
        { cidr: "89.160.20.0/24", data: countryRecord("SE") },
        { cidr: "2a02:cf40::/29", data: countryRecord("NO") },
        // Listed, but private: never a location.
        { cidr: "10.0.0.0/8", data: countryRecord("US") },
      ],
    }),
  );
  writeFileSync(
    networks,
    buildMmdb({ databaseType: "GeoLite2-ASN", networks: [{ cidr: "1.128.0.0/11", data: asnRecord(1221, "Telstra") }] }),
  );
  api = await startTestApi(database.url, { GEOIP_DATABASE: countries, GEOIP_ASN_DATABASE: networks });
  ({ client: admin } = await api.tenant("admin"));
  expect((await admin.post("/v1/policies", base)).status).toBe(201);
  expect((await admin.post("/v1/policies", stepUp)).status).toBe(201);
  const rules = await admin.put("/v1/enforcement", {
    requirements: [{ appliesTo: { kind: "all" }, policyId: "standard" }],
    stepUp: { policyId: "step-up", actions: [], onNewLocation: true },
  });
  expect(rules.body.stepUp).toEqual({ policyId: "step-up", actions: [], onNewLocation: true });
});
afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const decide = (userId: string, ip: string, deviceToken?: string) =>
  admin.post("/v1/decisions", { userId, context: { ip, userAgent: "Mozilla/5.0 test", ...(deviceToken ? { deviceToken } : {}) } });

/** Passes the policy's chain for the user (a minute and a half later, so each authenticator has fresh codes). */
function passChain(userId: string, devices: Record<string, Authenticator>, policyId: string): Promise<string> {
  api.clock.advance(90_000);
  return passPolicyChain(admin, { userId, policyId, devices });
}

/** An enrolled user who signed in once from `ip` (a chain, then a device token asked from that address). */
async function signedInFrom(ip: string): Promise<{ userId: string; devices: Record<string, Authenticator>; token: string }> {
  const userId = uniqueId("u");
  const devices = await enrollAll(admin, api.clock, { userId, policyId: "standard", factorIds: ["google_auth", "ms_auth"] });
  const first = await decide(userId, ip);
  // The user's first location is not "new": the standard chain for a new device.
  expect(first.body).toMatchObject({ require: "chain", policyId: "standard", reasons: ["new_device"] });
  const issued = await admin.post("/v1/devices", { attemptId: await passChain(userId, devices, "standard"), label: "laptop", ip });
  expect(issued.status).toBe(201);
  return { userId, devices, token: issued.body.deviceToken as string };
}

describe("the new-location rule with a MaxMind database", () => {
  it("a new country → the step-up policy; the same country again → no step-up for that reason", async () => {
    const { userId, devices, token } = await signedInFrom(GB);
    const again = await decide(userId, GB_OTHER, token);
    expect(again.body).toMatchObject({ require: "none", policyId: null, reasons: ["remembered_device"] });

    const abroad = await decide(userId, SE, again.body.device.token);
    expect(abroad.status).toBe(200);
    expect(abroad.body).toMatchObject({ require: "chain", policyId: "step-up", reasons: ["new_location", "remembered_device"] });
    // Asked again before passing the step-up: still new (a location is seen only once the user got in from it).
    const stillNew = await decide(userId, SE, abroad.body.device.token);
    expect(stillNew.body).toMatchObject({ require: "chain", policyId: "step-up", reasons: ["new_location", "remembered_device"] });

    // The step-up passed and a device token asked from Sweden: Sweden is seen from now on, and so is Britain.
    const attemptId = await passChain(userId, devices, "step-up");
    const issued = await admin.post("/v1/devices", { attemptId, label: "travel laptop", ip: SE });
    expect(issued.status).toBe(201);
    const home = await decide(userId, SE, issued.body.deviceToken);
    expect(home.body).toMatchObject({ require: "none", reasons: ["remembered_device"] });
    expect((await decide(userId, GB, home.body.device.token)).body).toMatchObject({ require: "none", reasons: ["remembered_device"] });

    const audit = await admin.get(`/v1/audit-events?userId=${userId}&type=enforcement.decided`);
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain("new_location");
  });

  it("IPv6: a country reached over IPv6 is a location like any other", async () => {
    const { userId, token } = await signedInFrom(GB);
    const d = await decide(userId, NO_V6, token);
    expect(d.body).toMatchObject({ require: "chain", policyId: "step-up", reasons: ["new_location", "remembered_device"] });
    // An IPv4-mapped IPv6 address is its IPv4 address: Britain, seen.
    expect((await decide(userId, `::ffff:${GB}`, d.body.device.token)).body).toMatchObject({
      require: "none",
      reasons: ["remembered_device"],
    });
  });

  it("a network from the ASN database is a location when no country is known", async () => {
    const { userId, token } = await signedInFrom(GB);
    const d = await decide(userId, TELSTRA, token);
    expect(d.body).toMatchObject({ require: "chain", policyId: "step-up", reasons: ["new_location", "remembered_device"] });
  });

  it("a private, reserved or unlisted address never locks anyone out: it decides on the device alone", async () => {
    const { userId, token } = await signedInFrom(GB);
    let current = token;
    for (const ip of ["10.1.2.3", "192.168.1.10", "127.0.0.1", "::1", "fd00::5", "203.0.113.7", UNLISTED]) {
      const d = await decide(userId, ip, current);
      expect(d.status, ip).toBe(200);
      expect(d.body, ip).toMatchObject({ require: "none", policyId: null, reasons: ["remembered_device", "location_unknown"] });
      current = d.body.device.token;
    }
    // Without a remembered device: the standard chain, as from a seen country (never the step-up, never a refusal).
    for (const ip of ["10.1.2.3", UNLISTED]) {
      expect((await decide(userId, ip)).body, ip).toMatchObject({
        require: "chain",
        policyId: "standard",
        reasons: ["new_device", "location_unknown"],
      });
    }
    // An unknown address is never recorded: the user's locations are unchanged, Britain is still seen and Sweden new.
    expect((await decide(userId, GB, current)).body).toMatchObject({ require: "none", reasons: ["remembered_device"] });
    expect((await decide(userId, SE)).body).toMatchObject({
      require: "chain",
      policyId: "step-up",
      reasons: ["new_location", "new_device"],
    });
  });

  it("a missing or unreadable database fails the start, naming the variable and not the path", async () => {
    const absent = join(dir, "absent.mmdb");
    await expect(startTestApi(database.url, { GEOIP_DATABASE: absent })).rejects.toThrow(
      /^GEOIP_DATABASE: not a readable MaxMind database \(ENOENT\)$/,
    );
    const junk = join(dir, "junk.mmdb");
    writeFileSync(junk, "not a database");
    const failed = await startTestApi(database.url, { GEOIP_DATABASE: join(dir, "country.mmdb"), GEOIP_ASN_DATABASE: junk }).catch(
      (error: unknown) => error as Error,
    );
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/^GEOIP_ASN_DATABASE: not a readable MaxMind database/);
    expect((failed as Error).message).not.toContain(dir);
  });

  it("a country not seen for 90 days is new again", async () => {
    const { userId } = await signedInFrom(GB);
    api.clock.advance(91 * 24 * 3600 * 1000);
    try {
      // The device token expired too (30 days): a new device, and a location not seen for 90 days.
      expect((await decide(userId, GB)).body).toMatchObject({
        require: "chain",
        policyId: "step-up",
        reasons: ["new_location", "new_device"],
      });
    } finally {
      api.clock.advance(-91 * 24 * 3600 * 1000);
    }
  });
});
