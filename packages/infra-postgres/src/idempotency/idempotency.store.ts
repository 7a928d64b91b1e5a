// Idempotency keys: the first answer to a request, kept for 24 hours under (tenant, key), so that a client's retry of a
// request whose answer it lost gets that answer back and changes nothing.
//
// The key is claimed in the request's own transaction: its row is inserted first (a concurrent request with the same
// key waits on it), the work runs on the same transaction, and the answer is stored before the commit. So an answer is
// stored exactly when the changes it reports are committed; work that ends in a server error is rolled back and stores
// nothing, and the key can be used again.
import type { SecretBinding, SecretCipher, UnitOfWork } from "@mfa-chain/application";
import type { Db } from "../database/schema.js";
import { JoinedUnitOfWork } from "../unit-of-work.js";

/** An HTTP answer as it is replayed. */
export interface StoredAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface IdempotencyScope {
  readonly tenantId: string;
  readonly key: string;
  /** A digest of what the request asked (method, path, body): the same key with another request is refused. */
  readonly fingerprint: string;
  readonly now: number;
}

export type IdempotentOutcome =
  /** The work ran now; its answer was stored with its changes (unless it was a server error, which stores nothing). */
  | { readonly kind: "ran"; readonly answer: StoredAnswer }
  /** The key was used before for the same request: the first answer. */
  | { readonly kind: "replayed"; readonly answer: StoredAnswer }
  /** The key was used before for another request. */
  | { readonly kind: "mismatch" };

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

class RolledBack extends Error {
  constructor(readonly answer: StoredAnswer) {
    super("the work answered a server error: rolled back");
  }
}

export class PostgresIdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: SecretCipher,
    private readonly ttlMs = IDEMPOTENCY_TTL_MS,
  ) {}

  /**
   * Runs `work` once per (tenant, key) within `ttlMs`. `work` gets the unit of work of the transaction that holds the
   * key: every change it makes through it commits together with the stored answer.
   */
  async runOnce(scope: IdempotencyScope, work: (uow: UnitOfWork) => Promise<StoredAnswer>): Promise<IdempotentOutcome> {
    const { tenantId, key, fingerprint, now } = scope;
    try {
      return await this.db.transaction().execute(async (trx): Promise<IdempotentOutcome> => {
        const claimed = await trx
          .insertInto("idempotency_keys")
          .values({
            tenant_id: tenantId,
            key,
            fingerprint,
            created_at: new Date(now),
            response_key_id: "",
            response_ciphertext: new Uint8Array(),
          })
          .onConflict((c) => c.columns(["tenant_id", "key"]).doNothing())
          .returning("key")
          .executeTakeFirst();
        if (!claimed) {
          // Used before (a concurrent first use has committed by now: the insert waited for it).
          const row = await trx
            .selectFrom("idempotency_keys")
            .select(["fingerprint", "created_at", "response_key_id", "response_ciphertext"])
            .where("tenant_id", "=", tenantId)
            .where("key", "=", key)
            .forUpdate()
            .executeTakeFirstOrThrow();
          if (row.created_at.getTime() > now - this.ttlMs) {
            if (row.fingerprint !== fingerprint) return { kind: "mismatch" };
            return { kind: "replayed", answer: this.open(tenantId, key, row.response_key_id, row.response_ciphertext) };
          }
          // Expired: the key starts afresh.
          await trx
            .updateTable("idempotency_keys")
            .set({ fingerprint, created_at: new Date(now) })
            .where("tenant_id", "=", tenantId)
            .where("key", "=", key)
            .execute();
        }
        const answer = await work(new JoinedUnitOfWork(trx));
        if (answer.status >= 500) throw new RolledBack(answer);
        const sealed = this.cipher.seal(new TextEncoder().encode(JSON.stringify(answer)), binding(tenantId, key));
        await trx
          .updateTable("idempotency_keys")
          .set({ response_key_id: sealed.keyId, response_ciphertext: sealed.ciphertext })
          .where("tenant_id", "=", tenantId)
          .where("key", "=", key)
          .execute();
        return { kind: "ran", answer };
      });
    } catch (error) {
      if (error instanceof RolledBack) return { kind: "ran", answer: error.answer };
      throw error;
    }
  }

  /** Deletes the keys older than the time they are kept (every tenant's; a background task). */
  async purgeExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom("idempotency_keys")
      .where("created_at", "<", new Date(now - this.ttlMs))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private open(tenantId: string, key: string, keyId: string, ciphertext: Uint8Array): StoredAnswer {
    const plain = this.cipher.open({ keyId, ciphertext }, binding(tenantId, key));
    return JSON.parse(new TextDecoder().decode(plain)) as StoredAnswer;
  }
}

/** Answers are sealed like factor secrets (they can hold one), bound to their tenant and key under a purpose of their own. */
const binding = (tenantId: string, key: string): SecretBinding => ({ tenantId, userId: "\u0000idempotency", credentialId: key });
