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
    expect(await cache.resolve(hashApiKey("mfa_known"))).toEqual(actor);
    expect(await cache.resolve(hashApiKey("mfa_known"))).toEqual(actor);
    expect(inner.calls).toBe(1);
  });

  it("when full, forgets the least recently used entry: a flood of unknown keys does not flush a key in use", async () => {
    const inner = counting({ [hashApiKey("mfa_known")]: actor });
    const cache = new CachedApiKeyResolver(inner, 30_000, 4);
    await cache.resolve(hashApiKey("mfa_known"));
    for (let i = 0; i < 10; i++) {
      await cache.resolve(hashApiKey(`mfa_unknown_${i}`));
      expect(await cache.resolve(hashApiKey("mfa_known"))).toEqual(actor);
    }
    // One lookup of the known key and one per unknown key: the known key never left the cache.
    expect(inner.calls).toBe(11);
  });
});
