// Console operators and their sessions in memory, with the PostgreSQL adapter's observable behaviour (the storage
// contracts run against both). Its state is one part of the store's, snapshotted and restored with it.
import type { Instant } from "@mfa-chain/domain";
import type { OperatorRepository, StoredOperator, StoredOperatorSession } from "../../ports/operators.port.js";

export interface OperatorState {
  readonly operators: Map<string, StoredOperator>;
  readonly sessions: Map<string, StoredOperatorSession>;
}

export const emptyOperatorState = (): OperatorState => ({ operators: new Map(), sessions: new Map() });

/** Values are replaced, never changed in place: a snapshot copies the containers. */
export const cloneOperatorState = (s: OperatorState): OperatorState => ({ operators: new Map(s.operators), sessions: new Map(s.sessions) });

const key = (...parts: readonly string[]): string => JSON.stringify(parts);
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class InMemoryOperatorRepository implements OperatorRepository {
  constructor(
    private readonly ref: () => OperatorState,
    private readonly guard: () => void,
    private readonly hasUser: (tenantId: string, userId: string) => boolean,
  ) {}

  private get s(): OperatorState {
    this.guard();
    return this.ref();
  }

  async insert(operator: StoredOperator): Promise<boolean> {
    const s = this.s;
    if (!this.hasUser(operator.tenantId, operator.id)) throw new Error(`operators: no user ${operator.id}`);
    if ([...s.operators.values()].some((o) => o.tenantId === operator.tenantId && o.username === operator.username)) return false;
    if (s.operators.has(key(operator.tenantId, operator.id))) throw new Error(`operators: duplicate id ${operator.id}`);
    s.operators.set(key(operator.tenantId, operator.id), copy(operator));
    return true;
  }

  async find(tenantId: string, operatorId: string): Promise<StoredOperator | null> {
    const found = this.s.operators.get(key(tenantId, operatorId));
    return found ? copy(found) : null;
  }

  async findByUsername(tenantId: string, username: string): Promise<StoredOperator | null> {
    const found = [...this.s.operators.values()].find((o) => o.tenantId === tenantId && o.username === username);
    return found ? copy(found) : null;
  }

  async list(tenantId: string): Promise<StoredOperator[]> {
    return [...this.s.operators.values()]
      .filter((o) => o.tenantId === tenantId)
      .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
      .map(copy);
  }

  async insertSession(session: StoredOperatorSession): Promise<void> {
    const s = this.s;
    if (!s.operators.has(key(session.tenantId, session.operatorId)))
      throw new Error(`operator_sessions: no operator ${session.operatorId}`);
    if (s.sessions.has(key(session.tenantId, session.id))) throw new Error("operator_sessions: duplicate id");
    s.sessions.set(key(session.tenantId, session.id), copy(session));
  }

  async findSession(tenantId: string, sessionId: string): Promise<StoredOperatorSession | null> {
    const found = this.s.sessions.get(key(tenantId, sessionId));
    return found ? copy(found) : null;
  }

  async activateSession(tenantId: string, sessionId: string, at: Instant): Promise<boolean> {
    return this.updateLive(tenantId, sessionId, (f) => f.stage === "password_passed", {
      stage: "active",
      authenticatedAt: at,
      lastSeenAt: at,
    });
  }

  async touchSession(tenantId: string, sessionId: string, at: Instant): Promise<boolean> {
    return this.updateLive(tenantId, sessionId, () => true, { lastSeenAt: at });
  }

  async endSession(tenantId: string, sessionId: string, at: Instant): Promise<boolean> {
    return this.updateLive(tenantId, sessionId, () => true, { endedAt: at });
  }

  async disable(tenantId: string, operatorId: string, at: Instant): Promise<boolean> {
    const k = key(tenantId, operatorId);
    const found = this.s.operators.get(k);
    if (!found || found.disabledAt !== null) return false;
    this.s.operators.set(k, copy({ ...found, disabledAt: at }));
    return true;
  }

  async enable(tenantId: string, operatorId: string): Promise<boolean> {
    const k = key(tenantId, operatorId);
    const found = this.s.operators.get(k);
    if (!found || found.disabledAt === null) return false;
    this.s.operators.set(k, copy({ ...found, disabledAt: null }));
    return true;
  }

  async setPasswordHash(tenantId: string, operatorId: string, passwordHash: string): Promise<boolean> {
    const k = key(tenantId, operatorId);
    const found = this.s.operators.get(k);
    if (!found) return false;
    this.s.operators.set(k, copy({ ...found, passwordHash }));
    return true;
  }

  async endSessions(tenantId: string, operatorId: string, at: Instant): Promise<number> {
    const open = [...this.s.sessions.values()].filter((f) => f.tenantId === tenantId && f.operatorId === operatorId && f.endedAt === null);
    for (const found of open) this.updateLive(tenantId, found.id, () => true, { endedAt: at });
    return open.length;
  }

  private updateLive(
    tenantId: string,
    sessionId: string,
    when: (found: StoredOperatorSession) => boolean,
    changes: Partial<StoredOperatorSession>,
  ): boolean {
    const k = key(tenantId, sessionId);
    const found = this.s.sessions.get(k);
    if (!found || found.endedAt !== null || !when(found)) return false;
    this.s.sessions.set(k, copy({ ...found, ...changes }));
    return true;
  }
}
