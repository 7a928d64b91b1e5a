// Checking a tenant's audit hash chain (S26): each sealed event's hash covers the one before it, so a changed, removed
// or reordered event is found. Events are sealed in the background; the check covers the sealed ones.
export type AuditChainReport =
  | {
      readonly ok: true;
      /** Sealed events checked. */
      readonly checked: number;
      /** Events not sealed yet (not covered by this check). */
      readonly unsealed: number;
      /** The last sealed hash: kept elsewhere, it catches a rewrite of the whole tail later. */
      readonly head: string;
    }
  | {
      readonly ok: false;
      /** Sequence number of the first event that does not verify. */
      readonly firstBadSeq: number;
      readonly reason: "hash_mismatch" | "broken_link" | "missing_event" | "corrupt_row";
      readonly message: string;
    };

export interface AuditChainVerifier {
  verify(tenantId: string): Promise<AuditChainReport>;
}
