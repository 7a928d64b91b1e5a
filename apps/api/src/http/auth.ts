// API-key authentication. Keys are high-entropy, so SHA-256 identifies them; resolved keys are cached briefly so the
// hot path does not pay a database round trip per request.
import { createHash } from "node:crypto";
import type { Actor } from "@mfa-chain/application";
import type { RequestHandler, Response } from "express";
import { sendProblem } from "./problem.js";

export interface ApiKeyResolver {
  /** The key's tenant and role, or null when the hash is unknown or revoked. */
  resolve(keyHash: string): Promise<Actor | null>;
}

export const hashApiKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex");

// The scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9_-]{20,200}) *$/i;

export class CachedApiKeyResolver implements ApiKeyResolver {
  private readonly cache = new Map<string, { actor: Actor | null; until: number }>();

  constructor(
    private readonly inner: ApiKeyResolver,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  async resolve(keyHash: string): Promise<Actor | null> {
    const now = Date.now();
    const hit = this.cache.get(keyHash);
    if (hit && hit.until > now) {
      // Most recently used last: eviction takes the least recently used.
      this.cache.delete(keyHash);
      this.cache.set(keyHash, hit);
      return hit.actor;
    }
    const actor = await this.inner.resolve(keyHash);
    // Full: forget the least recently used entry (a Map iterates in insertion order), so a flood of unknown keys
    // cannot flush the keys in use.
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    // Unknown keys are cached for less time, so a newly created key works quickly.
    this.cache.set(keyHash, { actor, until: now + (actor ? this.ttlMs : Math.min(this.ttlMs, 2_000)) });
    return actor;
  }
}

export function authenticate(resolver: ApiKeyResolver): RequestHandler {
  return async (req, res, next) => {
    const match = BEARER.exec(req.get("authorization") ?? "");
    if (!match) {
      return sendProblem(
        res,
        { code: "unauthorized", detail: "send an API key as `Authorization: Bearer <key>`" },
        { "WWW-Authenticate": "Bearer" },
      );
    }
    const actor = await resolver.resolve(hashApiKey(match[1] as string));
    if (!actor) return sendProblem(res, { code: "unauthorized", detail: "the API key is not valid" }, { "WWW-Authenticate": "Bearer" });
    res.locals.actor = actor;
    next();
  };
}

export const actorOf = (res: Response): Actor => res.locals.actor as Actor;
