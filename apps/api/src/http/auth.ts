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

/**
 * Resolved keys, cached. A revocation must reach every API process at once: the cache is told of each one
 * (`forget`, from the database's revocation notices), and while those notices may be missed (`trusted(false)`: the
 * listening connection is down or not up yet) it forgets everything and caches nothing.
 */
export class CachedApiKeyResolver implements ApiKeyResolver {
  private readonly cache = new Map<string, { actor: Actor | null; until: number }>();
  private isTrusted = false;
  /** Counts revocation notices and trust changes: an answer that one overtook is not cached. */
  private generation = 0;

  constructor(
    private readonly inner: ApiKeyResolver,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** Whether revocations are being heard; while not, nothing is cached. */
  trusted(isTrusted: boolean): void {
    this.isTrusted = isTrusted;
    this.generation += 1;
    this.cache.clear();
  }

  /** A key was revoked: its next use asks the database. */
  forget(keyHash: string): void {
    this.generation += 1;
    this.cache.delete(keyHash);
  }

  async resolve(keyHash: string): Promise<Actor | null> {
    if (!this.isTrusted) return this.inner.resolve(keyHash);
    const now = Date.now();
    const hit = this.cache.get(keyHash);
    if (hit && hit.until > now) {
      // Most recently used last: eviction takes the least recently used.
      this.cache.delete(keyHash);
      this.cache.set(keyHash, hit);
      return hit.actor;
    }
    const generation = this.generation;
    const actor = await this.inner.resolve(keyHash);
    // A revocation heard while the database answered may have been about this very key: cache only an answer that no
    // notice (and no loss of trust) came in during.
    if (generation !== this.generation) return actor;
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
