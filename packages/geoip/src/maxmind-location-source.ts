// The location port (LocationSource) over MaxMind databases read with npm `maxmind`: GeoLite2/GeoIP2 Country or City
// (a location is a country) and, optionally, ASN (a location is a network, used when no country is known). Private,
// loopback, link-local, shared, documentation, multicast and reserved addresses are never looked up: they are
// `unknown`, as are addresses the databases do not list (the documented fallback: unknown never prompts, never refuses).
import { BlockList, isIP } from "node:net";
import type { LocationSource } from "@mfa-chain/application";
import type { LocationLookup } from "@mfa-chain/domain";
import maxmind, { type AsnResponse, type CityResponse, type CountryResponse, type Reader } from "maxmind";

/** Addresses that are never a location: RFC 6890 special-purpose blocks, plus multicast and the rest of 240/4. */
const NOT_A_LOCATION = (() => {
  const list = new BlockList();
  const v4: Array<[string, number]> = [
    ["0.0.0.0", 8], // "this network"
    ["10.0.0.0", 8], // private
    ["100.64.0.0", 10], // shared address space (carrier-grade NAT)
    ["127.0.0.0", 8], // loopback
    ["169.254.0.0", 16], // link-local
    ["172.16.0.0", 12], // private
    ["192.0.0.0", 24], // IETF protocol assignments
    ["192.0.2.0", 24], // documentation
    ["192.168.0.0", 16], // private
    ["198.18.0.0", 15], // benchmarking
    ["198.51.100.0", 24], // documentation
    ["203.0.113.0", 24], // documentation
    ["224.0.0.0", 4], // multicast
    ["240.0.0.0", 4], // reserved, and the limited broadcast address
  ];
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, "ipv4");
  const v6: Array<[string, number]> = [
    ["::", 128], // unspecified
    ["::1", 128], // loopback
    ["64:ff9b:1::", 48], // local-use IPv4/IPv6 translation
    ["100::", 64], // discard-only
    ["2001::", 23], // IETF protocol assignments
    ["2001:db8::", 32], // documentation
    ["fc00::", 7], // unique local
    ["fe80::", 10], // link-local
    ["ff00::", 8], // multicast
  ];
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, "ipv6");
  return list;
})();

const UNKNOWN: LocationLookup = { kind: "unknown" };
const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const MAPPED_V4_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/** An IPv4-mapped IPv6 address (`::ffff:81.2.69.142` or `::ffff:5102:458e`) as its IPv4 address; else undefined. */
function unmapped(address: string): string | undefined {
  const dotted = MAPPED_V4.exec(address)?.[1];
  if (dotted !== undefined) return dotted;
  const hex = MAPPED_V4_HEX.exec(address);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/** The address to look up (an IPv4-mapped IPv6 address as its IPv4 address), or null when it is never a location. */
export function publicAddress(ip: string): string | null {
  const trimmed = ip.trim();
  const address = unmapped(trimmed) ?? trimmed;
  const family = isIP(address);
  // A zone id (fe80::1%eth0) names an interface of this machine: never a location.
  if (family === 0 || address.includes("%")) return null;
  return NOT_A_LOCATION.check(address, family === 4 ? "ipv4" : "ipv6") ? null : address;
}

type GeoRecord = Partial<CountryResponse & CityResponse & AsnResponse>;

/** The key of a record: its country, else the country it is registered to, else its network (AS number). */
function keyOf(record: GeoRecord | null): string | null {
  if (!record) return null;
  const country = record.country?.iso_code ?? record.registered_country?.iso_code;
  if (country) return `country:${country.toUpperCase()}`;
  if (typeof record.autonomous_system_number === "number") return `network:AS${record.autonomous_system_number}`;
  return null;
}

export class MaxMindLocationSource implements LocationSource {
  /** Looked up in order; the first database with a key for the address wins (a country before a network). */
  constructor(private readonly readers: readonly Pick<Reader<GeoRecord>, "get">[]) {}

  locate(ip: string): LocationLookup {
    const address = publicAddress(ip);
    if (address === null) return UNKNOWN;
    for (const reader of this.readers) {
      let key: string | null;
      try {
        key = keyOf(reader.get(address));
      } catch {
        // A malformed record, or an IPv6 address asked of an IPv4-only database: not a location, never a failure.
        key = null;
      }
      if (key !== null) return { kind: "known", key };
    }
    return UNKNOWN;
  }
}

export class GeoIpDatabaseError extends Error {
  override readonly name = "GeoIpDatabaseError";
}

/**
 * Opens the databases (a Country or City database, and optionally an ASN one) and checks each is a MaxMind database
 * of a kind that names a country or a network: a wrong path or file fails the start, naming the variable.
 */
export async function openMaxMindLocations(files: {
  readonly database: string;
  readonly asnDatabase?: string | undefined;
}): Promise<{ source: MaxMindLocationSource; description: string[] }> {
  const entries: Array<[variable: string, path: string]> = [["GEOIP_DATABASE", files.database]];
  if (files.asnDatabase !== undefined) entries.push(["GEOIP_ASN_DATABASE", files.asnDatabase]);
  const readers: Reader<GeoRecord>[] = [];
  const description: string[] = [];
  for (const [variable, path] of entries) {
    let reader: Reader<GeoRecord>;
    try {
      reader = await maxmind.open<GeoRecord>(path, { cache: { max: 10_000 } });
    } catch (error) {
      // The file system's code (ENOENT, EACCES…) rather than its message, which repeats the path.
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const why = code ?? (error instanceof Error ? error.message.split("\n")[0] : String(error));
      throw new GeoIpDatabaseError(`${variable}: not a readable MaxMind database (${why})`);
    }
    const type = reader.metadata.databaseType;
    if (!/country|city|asn|enterprise|isp/i.test(type)) {
      throw new GeoIpDatabaseError(`${variable}: a "${type}" database names no country and no network`);
    }
    readers.push(reader);
    description.push(`${variable}: ${type} (built ${reader.metadata.buildEpoch.toISOString().slice(0, 10)})`);
  }
  return { source: new MaxMindLocationSource(readers), description };
}
