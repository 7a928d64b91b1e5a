// A small writer of MaxMind DB (.mmdb) files, for tests: nothing is downloaded, each test builds the database it needs.
// The format is public (https://maxmind.github.io/MaxMind-DB/): a binary search tree over the bits of an IPv6 address
// (IPv4 networks live under ::/96), a data section of typed values, then a marker and a metadata map.
import { isIPv4, isIPv6 } from "node:net";

/** A value the data section can hold: strings, unsigned integers (up to 32 bits), booleans, arrays and maps. */
export type MmdbValue = string | number | boolean | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** "192.0.2.0/24" or "2001:db8::/32". */
  readonly cidr: string;
  readonly data: { readonly [key: string]: MmdbValue };
}

export interface MmdbOptions {
  /** e.g. "GeoLite2-Country", "GeoLite2-City" or "GeoLite2-ASN". */
  readonly databaseType: string;
  readonly networks: readonly MmdbNetwork[];
}

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from("MaxMind.com", "ascii")]);
const RECORD_BITS = 32;

/** The 128 bits of an address, most significant first; an IPv4 address is placed at ::a.b.c.d. */
function addressBits(address: string): number[] {
  let bytes: number[];
  if (isIPv4(address)) {
    bytes = [...new Array<number>(12).fill(0), ...address.split(".").map(Number)];
  } else if (isIPv6(address)) {
    const [head = "", tail] = address.split("::");
    const words = (s: string) => (s === "" ? [] : s.split(":").map((w) => parseInt(w, 16)));
    const left = words(head);
    const right = tail === undefined ? [] : words(tail);
    const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
    bytes = all.flatMap((w) => [w >> 8, w & 0xff]);
  } else {
    throw new Error(`not an IP address: ${address}`);
  }
  return bytes.flatMap((b) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (b >> i) & 1));
}

function controlBytes(type: number, size: number): Buffer {
  const extended = type > 7;
  const first = (extended ? 0 : type) << 5;
  const sizeBytes: number[] = [];
  let lead: number;
  if (size < 29) lead = size;
  else if (size < 285) {
    lead = 29;
    sizeBytes.push(size - 29);
  } else if (size < 65_821) {
    lead = 30;
    const s = size - 285;
    sizeBytes.push(s >> 8, s & 0xff);
  } else {
    lead = 31;
    const s = size - 65_821;
    sizeBytes.push((s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff);
  }
  return Buffer.from([first | lead, ...(extended ? [type - 7] : []), ...sizeBytes]);
}

function encode(value: MmdbValue): Buffer {
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([controlBytes(2, bytes.length), bytes]);
  }
  if (typeof value === "boolean") return controlBytes(14, value ? 1 : 0);
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`unsupported number ${value}`);
    const bytes: number[] = [];
    for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    return Buffer.concat([controlBytes(6, bytes.length), Buffer.from(bytes)]); // uint32
  }
  if (Array.isArray(value)) {
    const items = value as readonly MmdbValue[];
    return Buffer.concat([controlBytes(11, items.length), ...items.map(encode)]);
  }
  const entries = Object.entries(value as { readonly [key: string]: MmdbValue });
  return Buffer.concat([controlBytes(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

interface TreeNode {
  children: [Child, Child];
}
type Child = { kind: "empty" } | { kind: "data"; offset: number } | { kind: "node"; node: TreeNode };

/** The bytes of a .mmdb database holding these networks (a later network inside an earlier one overrides it). */
export function buildMmdb(options: MmdbOptions): Buffer {
  const dataParts: Buffer[] = [];
  let dataLength = 0;
  const root: TreeNode = { children: [{ kind: "empty" }, { kind: "empty" }] };
  for (const network of options.networks) {
    const [address = "", prefixText] = network.cidr.split("/");
    const bits = addressBits(address);
    const prefix = Number(prefixText) + (isIPv4(address) ? 96 : 0);
    if (!Number.isInteger(prefix) || prefix < 1 || prefix > 128) throw new Error(`bad network ${network.cidr}`);
    const encoded = encode(network.data);
    const offset = dataLength;
    dataParts.push(encoded);
    dataLength += encoded.length;
    let node = root;
    for (let depth = 0; depth < prefix - 1; depth++) {
      const bit = bits[depth] as 0 | 1;
      const child = node.children[bit];
      if (child.kind === "node") {
        node = child.node;
        continue;
      }
      // Splitting a leaf: both halves keep what the leaf held.
      const next: TreeNode = { children: [child, child] };
      node.children[bit] = { kind: "node", node: next };
      node = next;
    }
    node.children[bits[prefix - 1] as 0 | 1] = { kind: "data", offset };
  }

  // Number the nodes breadth first (the root is node 0).
  const order: TreeNode[] = [root];
  const index = new Map<TreeNode, number>([[root, 0]]);
  for (let i = 0; i < order.length; i++) {
    for (const child of (order[i] as TreeNode).children) {
      if (child.kind === "node" && !index.has(child.node)) {
        index.set(child.node, order.length);
        order.push(child.node);
      }
    }
  }
  const nodeCount = order.length;
  const record = (child: Child): number =>
    child.kind === "node" ? (index.get(child.node) as number) : child.kind === "empty" ? nodeCount : nodeCount + 16 + child.offset;
  const tree = Buffer.alloc(nodeCount * ((RECORD_BITS * 2) / 8));
  order.forEach((node, i) => {
    tree.writeUInt32BE(record(node.children[0]), i * 8);
    tree.writeUInt32BE(record(node.children[1]), i * 8 + 4);
  });

  const uint16 = (n: number) => Buffer.concat([controlBytes(5, 2), Buffer.from([n >> 8, n & 0xff])]);
  const uint32 = (n: number) => encode(n);
  const metadataEntries: Array<[string, Buffer]> = [
    ["node_count", uint32(nodeCount)],
    ["record_size", uint16(RECORD_BITS)],
    ["ip_version", uint16(6)],
    ["database_type", encode(options.databaseType)],
    ["languages", encode(["en"])],
    ["binary_format_major_version", uint16(2)],
    ["binary_format_minor_version", uint16(0)],
    ["build_epoch", uint32(1_700_000_000)],
    ["description", encode({ en: "mfa-chain test database" })],
  ];
  const metadata = Buffer.concat([controlBytes(7, metadataEntries.length), ...metadataEntries.flatMap(([k, v]) => [encode(k), v])]);
  return Buffer.concat([tree, Buffer.alloc(16), ...dataParts, METADATA_MARKER, metadata]);
}

/** A GeoLite2-Country record. */
export const countryRecord = (isoCode: string, name: string = isoCode) => ({
  country: { iso_code: isoCode, names: { en: name } },
});

/** A GeoLite2-ASN record. */
export const asnRecord = (asn: number, organization: string) => ({
  autonomous_system_number: asn,
  autonomous_system_organization: organization,
});
