// S28: the client's address. X-Forwarded-For is believed only when the peer is a configured trusted proxy, and a
// malformed header from such a proxy fails the request closed rather than guessing.
import { BlockList, isIP } from "node:net";
import type { RequestHandler } from "express";
import { sendProblem } from "./problem.js";

const unmap = (ip: string): string => (ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip);

export function parseTrustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split("/");
    const family = isIP(address ?? "");
    if (!address || family === 0 || rest.length > 0) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`TRUSTED_PROXIES: "${entry}" has an invalid prefix`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

const isTrusted = (list: BlockList, ip: string): boolean => {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 4 ? "ipv4" : "ipv6");
};

export function clientIp(trusted: BlockList): RequestHandler {
  return (req, res, next) => {
    const peer = unmap(req.socket.remoteAddress ?? "");
    let client = peer;
    const header = req.headers["x-forwarded-for"];
    if (header !== undefined && isTrusted(trusted, peer)) {
      const hops = (Array.isArray(header) ? header.join(",") : header).split(",").map((h) => unmap(h.trim()));
      if (hops.some((h) => isIP(h) === 0)) {
        return sendProblem(res, { code: "invalid_request", detail: "X-Forwarded-For holds a value that is not an IP address" });
      }
      // Walk from the nearest hop outwards; the first address that is not one of our proxies is the client.
      client = hops[0] as string;
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i] as string;
        if (!isTrusted(trusted, hop)) {
          client = hop;
          break;
        }
      }
    }
    res.locals.clientIp = client;
    next();
  };
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped; an embedded dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let ip = address.split("%")[0] as string;
  const v4tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4tail) {
    const [a, b, c, d] = v4tail.slice(1).map(Number) as [number, number, number, number];
    ip = `${ip.slice(0, v4tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The rate-limit bucket of a client address: an IPv4 address itself (also when written IPv4-mapped in any IPv6
 * form); for IPv6 its /64, the block one subscriber usually holds, so rotating addresses inside it gains nothing.
 */
export function ipBucket(ip: string): string {
  const family = isIP(ip.split("%")[0] ?? "");
  if (family === 4) return ip;
  if (family !== 6) return ip;
  const g = ipv6Groups(ip);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const [hi, lo] = [g[6] as number, g[7] as number];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(":")}::/64`;
}
