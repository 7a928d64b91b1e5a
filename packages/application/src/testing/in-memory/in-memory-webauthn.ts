// Each tenant's WebAuthn relying party, in memory (the PostgreSQL adapter's webauthn_relying_parties).
import type { RelyingPartyRepository, StoredRelyingParty } from "../../ports/webauthn.port.js";

export type RelyingPartyState = Map<string, StoredRelyingParty>;

export const emptyRelyingPartyState = (): RelyingPartyState => new Map();
/** Values are replaced, never changed in place: a snapshot copies the map. */
export const cloneRelyingPartyState = (s: RelyingPartyState): RelyingPartyState => new Map(s);

export class InMemoryRelyingPartyRepository implements RelyingPartyRepository {
  constructor(
    private readonly ref: () => RelyingPartyState,
    private readonly guard: () => void,
  ) {}

  private get s(): RelyingPartyState {
    this.guard();
    return this.ref();
  }

  async find(tenantId: string): Promise<StoredRelyingParty | null> {
    const rp = this.s.get(tenantId);
    return rp ? { ...rp, origins: [...rp.origins] } : null;
  }

  async save(rp: StoredRelyingParty): Promise<void> {
    this.s.set(rp.tenantId, Object.freeze({ ...rp, origins: Object.freeze([...rp.origins]) }));
  }
}
