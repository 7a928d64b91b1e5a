// Push devices, challenges, answers and poll nonces in memory, with the PostgreSQL adapter's observable behaviour (the
// storage contracts run against both). The push credential's material (its device and its newest challenges) is kept
// in step with this state, as the PostgreSQL adapter's material subquery reads it.
import type { Attempt, Instant, PushFatigueState } from "@mfa-chain/domain";
import { PUSH_FATIGUE_WINDOW_MS } from "@mfa-chain/domain";
import { PUSH_MATERIAL_CHALLENGES, type PushMaterial } from "../../kinds/material.js";
import type { PushAnswerRecord, PushDeviceProof, PushDeviceRecord, PushRepository, StoredPushChallenge } from "../../ports/push.port.js";
import type { StoredCredential, StoredCredentialOf } from "../../ports/repositories.port.js";

export interface PushState {
  readonly challenges: Map<string, StoredPushChallenge>;
  readonly nonces: Map<string, Instant>;
  readonly clears: Map<string, Instant>;
}

export const emptyPushState = (): PushState => ({ challenges: new Map(), nonces: new Map(), clears: new Map() });
export const clonePushState = (s: PushState): PushState => ({
  challenges: new Map(s.challenges),
  nonces: new Map(s.nonces),
  clears: new Map(s.clears),
});

/** The parts of the store's state push touches. */
export interface PushStateRef {
  readonly credentials: Map<string, StoredCredential>;
  readonly attempts: Map<string, Attempt>;
  readonly push: PushState;
}

const key = (...parts: readonly (string | number)[]): string => JSON.stringify(parts);
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const freeze = <T>(value: T): T => Object.freeze(copy(value));

export class InMemoryPushRepository implements PushRepository {
  constructor(
    private readonly ref: () => PushStateRef,
    private readonly guard: () => void,
  ) {}

  private get s(): PushStateRef {
    this.guard();
    return this.ref();
  }

  private credential(tenantId: string, credentialId: string): StoredCredentialOf<"push"> | null {
    const c = this.s.credentials.get(key(tenantId, credentialId));
    // A push credential is the one whose material is push material (its device and its enrollment token).
    return c && typeof c.material === "object" && "enrollmentTokenHash" in c.material ? (c as StoredCredentialOf<"push">) : null;
  }

  /** Writes the credential's material as the PostgreSQL subquery would read it. */
  private refresh(tenantId: string, credentialId: string, change: (m: PushMaterial) => Partial<PushMaterial> = () => ({})): void {
    const c = this.credential(tenantId, credentialId);
    if (!c) return;
    const challenges = [...this.s.push.challenges.values()]
      .filter((ch) => ch.tenantId === tenantId && ch.credentialId === credentialId)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .slice(0, PUSH_MATERIAL_CHALLENGES)
      .map((ch) => ({
        id: ch.id,
        expiresAt: ch.expiresAt,
        outcome: ch.answer?.outcome ?? null,
        answeredAt: ch.answer?.answeredAt ?? null,
      }));
    const material: PushMaterial = { ...c.material, ...change(c.material), challenges };
    this.s.credentials.set(key(tenantId, credentialId), freeze({ ...c, material }) as StoredCredential);
  }

  async findDevice(tenantId: string, credentialId: string): Promise<PushDeviceRecord | null> {
    const c = this.credential(tenantId, credentialId);
    if (!c) return null;
    const d = c.material.device;
    return {
      tenantId,
      credentialId,
      userId: c.userId,
      factorId: c.factorId,
      label: c.label,
      status: c.status,
      createdAt: c.createdAt,
      enrollmentTokenHash: c.material.enrollmentTokenHash,
      algorithm: d?.algorithm ?? null,
      publicKey: d?.publicKey ?? null,
      name: d?.name ?? null,
      pushToken: d?.pushToken ?? null,
    };
  }

  async enrollDevice(tenantId: string, credentialId: string, tokenHash: string, proof: PushDeviceProof): Promise<boolean> {
    const c = this.credential(tenantId, credentialId);
    if (!c || c.material.enrollmentTokenHash === null || c.material.enrollmentTokenHash !== tokenHash) return false;
    this.refresh(tenantId, credentialId, () => ({ enrollmentTokenHash: null, device: { ...proof } }));
    return true;
  }

  async insertChallenge(challenge: StoredPushChallenge): Promise<void> {
    const k = key(challenge.tenantId, challenge.id);
    if (this.s.push.challenges.has(k)) throw new Error(`push challenge ${challenge.id}: duplicate key`);
    if (!this.credential(challenge.tenantId, challenge.credentialId))
      throw new Error(`push challenge ${challenge.id}: no such push credential`);
    this.s.push.challenges.set(k, freeze(challenge));
    this.refresh(challenge.tenantId, challenge.credentialId);
  }

  async findChallenge(tenantId: string, challengeId: string): Promise<StoredPushChallenge | null> {
    const ch = this.s.push.challenges.get(key(tenantId, challengeId));
    return ch ? copy(ch) : null;
  }

  async pendingChallenges(tenantId: string, credentialId: string, now: Instant): Promise<StoredPushChallenge[]> {
    return [...this.s.push.challenges.values()]
      .filter((ch) => ch.tenantId === tenantId && ch.credentialId === credentialId && ch.answer === null && ch.expiresAt > now)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map(copy);
  }

  async answerChallenge(tenantId: string, challengeId: string, answer: PushAnswerRecord): Promise<boolean> {
    const k = key(tenantId, challengeId);
    const ch = this.s.push.challenges.get(k);
    if (!ch || ch.answer !== null || ch.expiresAt <= answer.answeredAt) return false;
    this.s.push.challenges.set(k, freeze({ ...ch, answer }));
    this.refresh(tenantId, ch.credentialId);
    return true;
  }

  async retireStepChallenges(tenantId: string, attemptId: string, step: number, at: Instant): Promise<number> {
    const credentials = new Set<string>();
    let retired = 0;
    for (const [k, ch] of this.s.push.challenges) {
      if (ch.tenantId !== tenantId || ch.attemptId !== attemptId || ch.step !== step || ch.answer !== null || ch.expiresAt <= at) continue;
      this.s.push.challenges.set(k, freeze({ ...ch, expiresAt: at }));
      credentials.add(ch.credentialId);
      retired++;
    }
    for (const c of credentials) this.refresh(tenantId, c);
    return retired;
  }

  async fatigueState(tenantId: string, userId: string, now: Instant): Promise<PushFatigueState> {
    const mine = [...this.s.push.challenges.values()].filter((ch) => ch.tenantId === tenantId && ch.userId === userId);
    const completed = [...this.s.attempts.values()]
      .filter((a) => a.tenantId === tenantId && a.userId === userId && a.completedAt !== null)
      .map((a) => a.completedAt as Instant);
    const since = Math.max(this.s.push.clears.get(key(tenantId, userId)) ?? -Infinity, ...completed);
    return {
      pendingExpiries: mine.filter((ch) => ch.answer === null && ch.expiresAt > now).map((ch) => ch.expiresAt),
      issuedAt: mine.filter((ch) => ch.createdAt > now - PUSH_FATIGUE_WINDOW_MS).map((ch) => ch.createdAt),
      deniesSinceClear: mine.filter(
        (ch) =>
          ch.answer !== null && (ch.answer.outcome === "denied" || ch.answer.outcome === "reported_fraud") && ch.answer.answeredAt > since,
      ).length,
    };
  }

  async clearDenies(tenantId: string, userId: string, at: Instant): Promise<void> {
    const k = key(tenantId, userId);
    this.s.push.clears.set(k, Math.max(at, this.s.push.clears.get(k) ?? at));
  }

  async rememberNonce(tenantId: string, credentialId: string, nonce: string, retainUntil: Instant, now: Instant): Promise<boolean> {
    const nonces = this.s.push.nonces;
    const prefix = `${key(tenantId, credentialId).slice(0, -1)},`;
    for (const [k, until] of nonces) if (k.startsWith(prefix) && until < now) nonces.delete(k);
    const k = key(tenantId, credentialId, nonce);
    if (nonces.has(k)) return false;
    nonces.set(k, retainUntil);
    return true;
  }
}
