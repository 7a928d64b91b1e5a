// What a factor kind is to storage: where its material lives (a table of its own beside `credentials`), how it is read
// back with the credential in the same statement, how it is written at enrollment, and the statements of the claims a
// success makes. One module per kind, composed in index.ts.
import type { KindMaterial, StepClaim, StoredCredentialOf } from "@mfa-chain/application";
import type { ImplementedFactorType } from "@mfa-chain/domain";
import { sql, type QueryCreator, type RawBuilder, type UpdateQueryBuilder } from "kysely";
import type { z } from "zod";
import type { Database, Db } from "../database/schema.js";

/** The alias of the credentials row that material expressions refer to. */
export const CREDENTIAL_ALIAS = "cr";

/**
 * Which credential a material expression reads (its columns; default: the row aliased `cr`), and whether to lock the
 * material's rows of other tables (FOR UPDATE). A locking read returns the newest committed rows even when they changed
 * after the statement began, which a plain subquery (reading the statement's snapshot) does not: the verify path reads
 * the material with its lock, after the credential's row lock, in one statement. Material on the credential's own row
 * (the OTP replay guard) needs no lock of its own: the credential's lock already returns its newest version.
 */
export interface MaterialRead {
  /** A reference to one of the credential's own columns (its id, its OTP replay guard). */
  column(name: "id" | "type" | "last_time_step" | "counter"): string;
  readonly lock: boolean;
}

/** The credentials row aliased `cr`, unlocked. */
export const READ_CREDENTIAL_ROW: MaterialRead = { column: (name) => `${CREDENTIAL_ALIAS}.${name}`, lock: false };

export interface StorageKind<K extends ImplementedFactorType> {
  readonly type: K;
  /**
   * A json scalar subquery giving the material of the credential `read` names. It filters its own table by the tenant
   * id as a value (`tenantId`), so that a sharded database routes it (the tenant-scope test checks it).
   */
  material(tenantId: string, read: MaterialRead): RawBuilder<unknown>;
  /** The material read back from that json, validated. */
  readonly materialSchema: z.ZodType<KindMaterial[K]>;
  /** Writes the material of a credential just inserted. */
  insertMaterial(db: Db, credential: StoredCredentialOf<K>): Promise<void>;
  /**
   * Optional: writes material known only at the confirmation (a WebAuthn registration's key) of a pending credential;
   * false when a uniqueness rule of the kind refuses it (S24), writing nothing. Absent: the repository refuses.
   */
  saveMaterial?(db: Db, credential: StoredCredentialOf<K>): Promise<boolean>;
}

type ClaimOf<C extends StepClaim["kind"]> = Extract<StepClaim, { kind: C }>;

/**
 * A claim's statement: one update that makes the claim only while its guard holds and the credential is active, and
 * returns a row when it did. `args` checks the claim and lists its values in the order `statement` takes them.
 */
export interface StorageClaim<C extends StepClaim["kind"]> {
  readonly arity: number;
  args(claim: ClaimOf<C>, at: Date): unknown[];
  statement(qc: QueryCreator<Database>, tenantId: string, args: readonly unknown[]): ClaimStatement;
  /**
   * Optional: a second update, of another table, made only with the first (a WebAuthn assertion consumes its challenge,
   * then moves the sign counter by compare-and-set). Spliced as the next CTE, guarded by the first's rows; the claim
   * holds only when both wrote a row.
   */
  then?(qc: QueryCreator<Database>, tenantId: string, args: readonly unknown[]): ClaimStatement;
}

/** An update returning the claimed credential's id (the tables differ by kind). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the updated table is the kind's own
export type ClaimStatement = UpdateQueryBuilder<Database, any, any, { credential_id: string }>;

export type { ClaimOf };

/**
 * A claim's guard on its credential, for claims that update a table of their own: the credential is in one of
 * `statuses` (active by default) and its row is locked, as the verify path's read locks it, so material never moves
 * under the credential's holder.
 */
export const credentialHeld = (
  tenantId: string,
  credentialId: string,
  statuses: readonly ("active" | "pending")[] = ["active"],
): RawBuilder<boolean> =>
  sql<boolean>`exists (select "credentials"."id" from "credentials" where "credentials"."tenant_id" = ${tenantId}
    and "credentials"."id" = ${credentialId} and "credentials"."status" in (${sql.join(statuses)}) for update)`;
