// The MaxMind location adapter against .mmdb databases built by the test (nothing is downloaded): a known country,
// IPv6, an unknown address, private and reserved addresses, a network from an ASN database, and start-up checks.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GeoIpDatabaseError, openMaxMindLocations, publicAddress, type MaxMindLocationSource } from "../src/index.js";
import { asnRecord, buildMmdb, countryRecord } from "./index.js";

let dir: string;
let countryFile: string;
let asnFile: string;
let cityFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mfa-geoip-"));
  countryFile = join(dir, "country.mmdb");
  asnFile = join(dir, "asn.mmdb");
  cityFile = join(dir, "city.mmdb");
  writeFileSync(
    countryFile,
    buildMmdb({
      databaseType: "GeoLite2-Country",
      networks: [
        { cidr: "81.2.69.0/24", data: countryRecord("GB", "United Kingdom") },
        { cidr: "89.160.20.0/24", data: countryRecord("SE", "Sweden") },
        { cidr: "2a02:cf40::/29", data: countryRecord("NO", "Norway") },
        // A network listed with its registered country only (an anycast or satellite range).
        { cidr: "175.16.199.0/24", data: { registered_country: { iso_code: "CN" } } },
        // Networks the database lists around private ranges do not make a private address known.
        { cidr: "10.0.0.0/7", data: countryRecord("US") },
      ],
    }),
  );
  writeFileSync(
    asnFile,
    buildMmdb({
      databaseType: "GeoLite2-ASN",
      networks: [
        { cidr: "1.128.0.0/11", data: asnRecord(1221, "Telstra") },
        { cidr: "81.2.69.0/24", data: asnRecord(20712, "Andrews & Arnold") },
      ],
    }),
  );
  writeFileSync(
    cityFile,
    buildMmdb({
      databaseType: "GeoLite2-City",
      networks: [{ cidr: "81.2.69.0/24", data: { ...countryRecord("GB"), city: { names: { en: "London" } } } }],
    }),
  );
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function countries(): Promise<MaxMindLocationSource> {
  return (await openMaxMindLocations({ database: countryFile })).source;
}

describe("a country database", () => {
  it("locates an IPv4 address in a listed network by its country", async () => {
    const locations = await countries();
    expect(locations.locate("81.2.69.142")).toEqual({ kind: "known", key: "country:GB" });
    expect(locations.locate("89.160.20.128")).toEqual({ kind: "known", key: "country:SE" });
  });

  it("locates an IPv6 address, and an IPv4-mapped IPv6 address as its IPv4 address", async () => {
    const locations = await countries();
    expect(locations.locate("2a02:cf40::1")).toEqual({ kind: "known", key: "country:NO" });
    expect(locations.locate("2A02:CF47:FFFF::1")).toEqual({ kind: "known", key: "country:NO" });
    expect(locations.locate("::ffff:81.2.69.142")).toEqual({ kind: "known", key: "country:GB" });
  });

  it("falls back to the registered country when the record names no country", async () => {
    expect((await countries()).locate("175.16.199.7")).toEqual({ kind: "known", key: "country:CN" });
  });

  it("answers unknown for an address the database does not list (IPv4 and IPv6)", async () => {
    const locations = await countries();
    expect(locations.locate("81.2.70.1")).toEqual({ kind: "unknown" });
    expect(locations.locate("8.8.8.8")).toEqual({ kind: "unknown" });
    expect(locations.locate("2a03:2880::1")).toEqual({ kind: "unknown" });
  });

  it("answers unknown for private, loopback, link-local, reserved and documentation addresses, even when listed", async () => {
    const locations = await countries();
    for (const ip of [
      "10.1.2.3",
      "127.0.0.1",
      "172.16.5.4",
      "192.168.1.10",
      "169.254.1.1",
      "100.64.0.1",
      "192.0.2.1",
      "203.0.113.9",
      "224.0.0.1",
      "255.255.255.255",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fe80::1%eth0",
      "fd12:3456::1",
      "2001:db8::1",
      "ff02::1",
      "::ffff:192.168.1.1",
    ]) {
      expect(locations.locate(ip), ip).toEqual({ kind: "unknown" });
    }
    // 11.0.0.1 is inside the listed 10.0.0.0/7 but public: the database answers for it.
    expect(locations.locate("11.0.0.1")).toEqual({ kind: "known", key: "country:US" });
  });

  it("answers unknown for text that is not an address, never throwing", async () => {
    const locations = await countries();
    for (const ip of ["", "not an ip", "81.2.69", "81.2.69.300", "1::2::3", "81.2.69.142/24"]) {
      expect(locations.locate(ip), ip).toEqual({ kind: "unknown" });
    }
  });
});

describe("a city database and an ASN database", () => {
  it("a city database locates by country too", async () => {
    const { source } = await openMaxMindLocations({ database: cityFile });
    expect(source.locate("81.2.69.1")).toEqual({ kind: "known", key: "country:GB" });
  });

  it("an ASN database names the network when no country database knows the address; a country wins", async () => {
    const { source, description } = await openMaxMindLocations({ database: countryFile, asnDatabase: asnFile });
    expect(source.locate("1.130.4.5")).toEqual({ kind: "known", key: "network:AS1221" });
    expect(source.locate("81.2.69.142")).toEqual({ kind: "known", key: "country:GB" });
    expect(source.locate("10.1.2.3")).toEqual({ kind: "unknown" });
    expect(description).toEqual([
      expect.stringMatching(/^GEOIP_DATABASE: GeoLite2-Country/),
      expect.stringMatching(/^GEOIP_ASN_DATABASE: GeoLite2-ASN/),
    ]);
  });

  it("an ASN database alone locates by network", async () => {
    const { source } = await openMaxMindLocations({ database: asnFile });
    expect(source.locate("81.2.69.142")).toEqual({ kind: "known", key: "network:AS20712" });
  });
});

describe("opening", () => {
  it("a missing file or one that is not a MaxMind database fails, naming the variable", async () => {
    await expect(openMaxMindLocations({ database: join(dir, "absent.mmdb") })).rejects.toThrow(GeoIpDatabaseError);
    await expect(openMaxMindLocations({ database: join(dir, "absent.mmdb") })).rejects.toThrow(/^GEOIP_DATABASE: /);
    const junk = join(dir, "junk.mmdb");
    writeFileSync(junk, "this is not a database");
    await expect(openMaxMindLocations({ database: countryFile, asnDatabase: junk })).rejects.toThrow(/^GEOIP_ASN_DATABASE: /);
  });

  it("a database of another kind (no country, no network) is refused", async () => {
    const other = join(dir, "anonymous.mmdb");
    writeFileSync(
      other,
      buildMmdb({ databaseType: "GeoIP2-Anonymous-IP", networks: [{ cidr: "81.2.69.0/24", data: { is_anonymous: true } }] }),
    );
    await expect(openMaxMindLocations({ database: other })).rejects.toThrow(/GEOIP_DATABASE: a "GeoIP2-Anonymous-IP" database/);
  });
});

describe("publicAddress", () => {
  it("unwraps IPv4-mapped addresses and trims; refuses special-purpose ones", () => {
    expect(publicAddress(" 81.2.69.142 ")).toBe("81.2.69.142");
    expect(publicAddress("::ffff:81.2.69.142")).toBe("81.2.69.142");
    expect(publicAddress("::ffff:127.0.0.1")).toBeNull();
    expect(publicAddress("::ffff:5102:458e")).toBe("81.2.69.142");
    expect(publicAddress("::FFFF:c0a8:0101")).toBeNull(); // 192.168.1.1
    expect(publicAddress("2a02:cf40::1")).toBe("2a02:cf40::1");
  });
});
