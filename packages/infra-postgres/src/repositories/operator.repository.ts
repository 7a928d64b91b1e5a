// Console operators and their sessions (migration 0011), in the console's own tenant.
import type { OperatorRepository, StoredOperator, StoredOperatorSession } from "@mfa-chain/application";
import { z } from "zod";
import type { Updateable } from "kysely";
import type { Db, OperatorSessionsTable, OperatorsTable } from "../database/schema.js";
import { CorruptRowError } from "../database/rows.js";

const operatorRow = z.object({
  tenant_id: z.string(),
  id: z.string(),
  username: z.string(),
  password_hash: z.string(),
  role: z.enum(["viewer", "admin"]),
  scope: z.string().nullable(),
  created_at: z.date(),
  disabled_at: z.date().nullable(),
});

const sessionRow = z.object({
  tenant_id: z.string(),
  id: z.string(),
  operator_id: z.string(),
  stage: z.enum(["password_passed", "active"]),
  attempt_id: z.string(),
  created_at: z.date(),
  last_seen_at: z.date(),
  authenticated_at: z.date().nullable(),
  ended_at: z.date().nullable(),
});

function parse<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(row);
  if (!parsed.success)
    throw new CorruptRowError(`stored ${what} has an unexpected shape: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  return parsed.data;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
const date = (t: number | null): Date | null => (t === null ? null : new Date(t));

function toOperator(row: unknown): StoredOperator {
  const r = parse(operatorRow, row, "operator");
  return {
    tenantId: r.tenant_id,
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    scope: r.scope,
    createdAt: r.created_at.getTime(),
    disabledAt: ms(r.disabled_at),
  };
}

function toSession(row: unknown): StoredOperatorSession {
  const r = parse(sessionRow, row, "operator session");
  return {
    tenantId: r.tenant_id,
    id: r.id,
    operatorId: r.operator_id,
    stage: r.stage,
    attemptId: r.attempt_id,
    createdAt: r.created_at.getTime(),
    lastSeenAt: r.last_seen_at.getTime(),
    authenticatedAt: ms(r.authenticated_at),
    endedAt: ms(r.ended_at),
  };
}

const OPERATOR_COLUMNS = ["tenant_id", "id", "username", "password_hash", "role", "scope", "created_at", "disabled_at"] as const;
const SESSION_COLUMNS = [
  "tenant_id",
  "id",
  "operator_id",
  "stage",
  "attempt_id",
  "created_at",
  "last_seen_at",
  "authenticated_at",
  "ended_at",
] as const;

export class PostgresOperatorRepository implements OperatorRepository {
  constructor(private readonly db: Db) {}

  async insert(o: StoredOperator): Promise<boolean> {
    const inserted = await this.db
      .insertInto("operators")
      .values({
        tenant_id: o.tenantId,
        id: o.id,
        username: o.username,
        password_hash: o.passwordHash,
        role: o.role,
        scope: o.scope,
        created_at: new Date(o.createdAt),
        disabled_at: date(o.disabledAt),
      })
      .onConflict((c) => c.constraint("operators_username_key").doNothing())
      .returning("id")
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async find(tenantId: string, operatorId: string): Promise<StoredOperator | null> {
    const row = await this.db
      .selectFrom("operators")
      .select(OPERATOR_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", operatorId)
      .executeTakeFirst();
    return row ? toOperator(row) : null;
  }

  async findByUsername(tenantId: string, username: string): Promise<StoredOperator | null> {
    const row = await this.db
      .selectFrom("operators")
      .select(OPERATOR_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("username", "=", username)
      .executeTakeFirst();
    return row ? toOperator(row) : null;
  }

  async list(tenantId: string): Promise<StoredOperator[]> {
    const rows = await this.db
      .selectFrom("operators")
      .select(OPERATOR_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .orderBy("username")
      .execute();
    return rows.map(toOperator);
  }

  async insertSession(s: StoredOperatorSession): Promise<void> {
    await this.db
      .insertInto("operator_sessions")
      .values({
        tenant_id: s.tenantId,
        id: s.id,
        operator_id: s.operatorId,
        stage: s.stage,
        attempt_id: s.attemptId,
        created_at: new Date(s.createdAt),
        last_seen_at: new Date(s.lastSeenAt),
        authenticated_at: date(s.authenticatedAt),
        ended_at: date(s.endedAt),
      })
      .execute();
  }

  async findSession(tenantId: string, sessionId: string): Promise<StoredOperatorSession | null> {
    const row = await this.db
      .selectFrom("operator_sessions")
      .select(SESSION_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", sessionId)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  // Conditional updates of the stored row: a request racing a sign-out cannot write ended_at back to null.
  async activateSession(tenantId: string, sessionId: string, at: number): Promise<boolean> {
    return this.updateOpenSession(
      tenantId,
      sessionId,
      { stage: "active", authenticated_at: new Date(at), last_seen_at: new Date(at) },
      "password_passed",
    );
  }

  async touchSession(tenantId: string, sessionId: string, at: number): Promise<boolean> {
    return this.updateOpenSession(tenantId, sessionId, { last_seen_at: new Date(at) });
  }

  async endSession(tenantId: string, sessionId: string, at: number): Promise<boolean> {
    return this.updateOpenSession(tenantId, sessionId, { ended_at: new Date(at) });
  }

  async disable(tenantId: string, operatorId: string, at: number): Promise<boolean> {
    return this.updateOperator(tenantId, operatorId, { disabled_at: new Date(at) }, "enabled");
  }

  async enable(tenantId: string, operatorId: string): Promise<boolean> {
    return this.updateOperator(tenantId, operatorId, { disabled_at: null }, "disabled");
  }

  async setPasswordHash(tenantId: string, operatorId: string, passwordHash: string): Promise<boolean> {
    return this.updateOperator(tenantId, operatorId, { password_hash: passwordHash });
  }

  async endSessions(tenantId: string, operatorId: string, at: number): Promise<number> {
    const ended = await this.db
      .updateTable("operator_sessions")
      .set({ ended_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("operator_id", "=", operatorId)
      .where("ended_at", "is", null)
      .returning("id")
      .execute();
    return ended.length;
  }

  /** Sets `values` on the operator (given `state`, only while it is enabled or disabled): whether it did. */
  private async updateOperator(
    tenantId: string,
    operatorId: string,
    values: Updateable<OperatorsTable>,
    state?: "enabled" | "disabled",
  ): Promise<boolean> {
    let query = this.db.updateTable("operators").set(values).where("tenant_id", "=", tenantId).where("id", "=", operatorId);
    if (state !== undefined) query = query.where("disabled_at", state === "enabled" ? "is" : "is not", null);
    const updated = await query.returning("id").executeTakeFirst();
    return updated !== undefined;
  }

  /** Sets `values` on the session if it has not ended (and, given `stage`, is still at it): whether it did. */
  private async updateOpenSession(
    tenantId: string,
    sessionId: string,
    values: Updateable<OperatorSessionsTable>,
    stage?: OperatorSessionsTable["stage"],
  ): Promise<boolean> {
    let query = this.db
      .updateTable("operator_sessions")
      .set(values)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", sessionId)
      .where("ended_at", "is", null);
    if (stage !== undefined) query = query.where("stage", "=", stage);
    const updated = await query.returning("id").executeTakeFirst();
    return updated !== undefined;
  }
}
