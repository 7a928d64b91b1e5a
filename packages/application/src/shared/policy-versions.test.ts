import { aPolicy } from "../testing/index.js";
import { describe, expect, it } from "vitest";
import type { PolicyRepository, StoredPolicy } from "../ports/repositories.port.js";
import { PolicyVersionCache } from "./policy-versions.js";

/** A policy repository that only answers findVersion, and counts the calls. */
function versionsRepo(stored: readonly StoredPolicy[]): PolicyRepository & { reads: number } {
  const unused = () => Promise.reject(new Error("not used by the cache"));
  const repo = {
    reads: 0,
    async findVersion(tenantId: string, policyId: string, version: number) {
      repo.reads += 1;
      return stored.find((p) => p.tenantId === tenantId && p.id === policyId && p.version === version) ?? null;
    },
    insert: unused,
    findLatest: unused,
    listLatest: unused,
    markDeleted: unused,
  };
  return repo;
}

const stored = (tenantId: string, id: string, version: number): StoredPolicy => ({
  ...aPolicy().withId(id).withVersion(version).build(),
  tenantId,
  createdAt: 0,
});

describe("PolicyVersionCache", () => {
  it("reads a version once, then answers from memory; keys include the tenant", async () => {
    const repo = versionsRepo([stored("t1", "p", 1), stored("t2", "p", 1)]);
    const cache = new PolicyVersionCache();
    expect((await cache.get(repo, "t1", "p", 1))?.tenantId).toBe("t1");
    expect((await cache.get(repo, "t1", "p", 1))?.tenantId).toBe("t1");
    expect(repo.reads).toBe(1);
    expect((await cache.get(repo, "t2", "p", 1))?.tenantId).toBe("t2");
    expect(repo.reads).toBe(2);
  });

  it("does not remember a miss, and evicts the oldest entry beyond its size", async () => {
    const repo = versionsRepo([stored("t", "a", 1), stored("t", "b", 1), stored("t", "c", 1)]);
    const cache = new PolicyVersionCache(2);
    expect(await cache.get(repo, "t", "a", 2)).toBeNull();
    expect(await cache.get(repo, "t", "a", 2)).toBeNull();
    expect(repo.reads).toBe(2);
    for (const id of ["a", "b", "c"]) await cache.get(repo, "t", id, 1);
    const before = repo.reads;
    await cache.get(repo, "t", "c", 1);
    await cache.get(repo, "t", "b", 1);
    expect(repo.reads).toBe(before);
    await cache.get(repo, "t", "a", 1);
    expect(repo.reads).toBe(before + 1);
  });
});
