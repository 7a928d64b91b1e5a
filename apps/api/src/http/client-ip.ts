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
