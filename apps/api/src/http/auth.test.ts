import type { Actor } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { CachedApiKeyResolver, hashApiKey, type ApiKeyResolver } from "./auth.js";

const actor: Actor = { tenantId: "t", keyId: "k", role: "service" };

function counting(known: Record<string, Actor>): ApiKeyResolver & { calls: number } {
  const inner = {
    calls: 0,
    async resolve(hash: string) {
      inner.calls += 1;
      return known[hash] ?? null;
    },
  };
  return inner;
}

describe("CachedApiKeyResolver", () => {
  it("answers a known key from memory after the first lookup", async () => {
    const inner = counting({ [hashApiKey("mfa_known")]: actor });
    const cache = new CachedApiKeyResolver(inner, 30_000, 10);
    cache.trusted(true);
    expect(await cache.resolve(hashApiKey("mfa_known"))).toEqual(actor);
    expect(await cache.resolve(hashApiKey("mfa_known"))).toEqual(actor);
    expect(inner.calls).toBe(1);
  });

  it("when full, forgets the least recently used entry: a flood of unknown keys does not flush a key in use", async () => {
    const inner = counting({ [hashApiKey("mfa_known")]: actor });
    const cache = new CachedApiKeyResolver(inner, 30_000, 4);
    cache.trusted(true);
    await cache.resolve(hashApiKey("mfa_known"));
    for (let i = 0; i < 10; i++) {
      await cache.resolve(hashApiKey(`mfa_unknown_${i}`));
      expect(await cache.resolve(hashApiKey("mfa_known"))).toEqual(actor);
    }
    // One lookup of the known key and one per unknown key: the known key never left the cache.
    expect(inner.calls).toBe(11);
  });

  it("caches nothing until revocations are heard, and forgets everything when they no longer are", async () => {
    const inner = counting({ [hashApiKey("mfa_known")]: actor });
    const cache = new CachedApiKeyResolver(inner, 30_000, 10);
    await cache.resolve(hashApiKey("mfa_known"));
    await cache.resolve(hashApiKey("mfa_known"));
    expect(inner.calls).toBe(2);
    cache.trusted(true);
    await cache.resolve(hashApiKey("mfa_known"));
    await cache.resolve(hashApiKey("mfa_known"));
    expect(inner.calls).toBe(3);
    cache.trusted(false);
    await cache.resolve(hashApiKey("mfa_known"));
    expect(inner.calls).toBe(4);
  });

  it("a revoked key is asked for again at once", async () => {
    const known: Record<string, Actor> = { [hashApiKey("mfa_known")]: actor };
    const inner = counting(known);
    const cache = new CachedApiKeyResolver(inner, 30_000, 10);
    cache.trusted(true);
    expect(await cache.resolve(hashApiKey("mfa_known"))).toEqual(actor);
    delete known[hashApiKey("mfa_known")];
    cache.forget(hashApiKey("mfa_known"));
    expect(await cache.resolve(hashApiKey("mfa_known"))).toBeNull();
  });

  it("does not cache an answer that a revocation notice overtook while the database was asked", async () => {
    let release: (a: Actor | null) => void = () => undefined;
    const inner: ApiKeyResolver & { calls: number } = {
      calls: 0,
      resolve: () => {
        inner.calls += 1;
        return new Promise((done) => (release = done));
      },
    };
    const cache = new CachedApiKeyResolver(inner, 30_000, 10);
    cache.trusted(true);
    const pending = cache.resolve(hashApiKey("mfa_known"));
    cache.forget(hashApiKey("mfa_known")); // the revocation commits while the lookup (of the state before it) runs
    release(actor);
    expect(await pending).toEqual(actor);
    const again = cache.resolve(hashApiKey("mfa_known"));
    release(null);
    expect(await again).toBeNull();
    expect(inner.calls).toBe(2);
  });
});
