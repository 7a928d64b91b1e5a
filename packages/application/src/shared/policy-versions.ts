// Policy versions are immutable, so a verify can reuse one it has already read instead of a database round trip.
import type { PolicyRepository, StoredPolicy } from "../ports/repositories.port.js";

export class PolicyVersionCache {
  private readonly entries = new Map<string, StoredPolicy>();

  constructor(private readonly maxEntries = 1000) {}

  async get(repo: PolicyRepository, tenantId: string, policyId: string, version: number): Promise<StoredPolicy | null> {
    const key = JSON.stringify([tenantId, policyId, version]);
    const hit = this.entries.get(key);
    if (hit) return hit;
    const found = await repo.findVersion(tenantId, policyId, version);
    if (found) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, found);
    }
    return found;
  }
}
