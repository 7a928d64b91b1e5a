/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that the load loop reads field by field */
// A small mixed load for the fault tests: clients that enroll factors, start attempts and send wrong codes against an
// API process, recording every answer (or the lack of one) and every write the API acknowledged.
import { SystemClock } from "@mfa-chain/crypto";
import type { ApiClient, Authenticator } from "./api.js";
import { enrollAll, uniqueId, type Enrollment } from "./api.js";

export const ONE_FACTOR_POLICY = {
  id: "faults",
  name: "One authenticator",
  mode: "fixed",
  requiredSteps: 1,
  factors: [{ id: "app", label: "Authenticator", type: "totp" }],
  // The load sends many wrong codes: a high limit with short locks keeps most users answering.
  lockout: { maxFailures: 100, baseSeconds: 1, maxSeconds: 1 },
} as const;

export interface Answer {
  readonly op: "enroll" | "start" | "verify";
  /** The HTTP status, or "no answer" when the request failed without one (a reset connection, a dead process). */
  readonly status: number | "no answer";
  readonly code?: string;
  readonly retryAfter?: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** What the API acknowledged (a 2xx): each must be in the database afterwards. */
export interface Acknowledged {
  readonly credentials: Array<{ userId: string; credentialId: string }>;
  readonly attempts: Array<{ userId: string; attemptId: string }>;
  /** Wrong codes answered 200 with `success: false`, per user. */
  readonly failures: Map<string, number>;
}

export interface Load {
  readonly answers: Answer[];
  readonly acknowledged: Acknowledged;
  stop(): Promise<void>;
}

/** Enrolls `count` users with one confirmed TOTP factor each (the policy must exist). */
export async function enrolledUsers(client: ApiClient, count: number): Promise<Array<{ userId: string; device: Authenticator }>> {
  const users = [];
  for (let i = 0; i < count; i++) {
    const userId = uniqueId("u");
    const { app } = await enrollAll(client, new SystemClock(), { userId, policyId: ONE_FACTOR_POLICY.id, factorIds: ["app"] });
    users.push({ userId, device: app as Authenticator });
  }
  return users;
}

/**
 * `clients` loops, each cycling through enroll (a new user), start (an enrolled user) and verify (a wrong code on the
 * attempt it started last), until stopped.
 */
export function startLoad(client: ApiClient, users: ReadonlyArray<{ userId: string; device: Authenticator }>, clients = 8): Load {
  const answers: Answer[] = [];
  const acknowledged: Acknowledged = { credentials: [], attempts: [], failures: new Map() };
  let stopped = false;
  const call = async (op: Answer["op"], path: string, body: unknown): Promise<{ status: number; body: any } | null> => {
    const startedAt = Date.now();
    try {
      const reply = await client.post(path, body);
      answers.push({
        op,
        status: reply.status,
        code: reply.body?.code,
        retryAfter: reply.headers.get("retry-after"),
        startedAt,
        endedAt: Date.now(),
      });
      return reply;
    } catch {
      answers.push({ op, status: "no answer", startedAt, endedAt: Date.now() });
      return null;
    }
  };
  const loop = async (index: number) => {
    let lastAttempt: { userId: string; attemptId: string; device: Authenticator } | null = null;
    for (let round = 0; !stopped; round++) {
      const user = users[(index + round * clients) % users.length] as { userId: string; device: Authenticator };
      switch (round % 3) {
        case 0: {
          const userId = uniqueId("n");
          const reply = await call("enroll", `/v1/users/${userId}/factors`, { policyId: ONE_FACTOR_POLICY.id, factorId: "app" });
          if (reply?.status === 201) acknowledged.credentials.push({ userId, credentialId: (reply.body as Enrollment).factor.id });
          break;
        }
        case 1: {
          const reply = await call("start", "/v1/attempts", { userId: user.userId, policyId: ONE_FACTOR_POLICY.id });
          if (reply?.status === 201) {
            acknowledged.attempts.push({ userId: user.userId, attemptId: reply.body.attemptId });
            lastAttempt = { userId: user.userId, attemptId: reply.body.attemptId, device: user.device };
          }
          break;
        }
        default: {
          if (!lastAttempt) break;
          const { userId, attemptId, device } = lastAttempt;
          const reply = await call("verify", `/v1/attempts/${attemptId}/verify`, { factorId: "app", code: device.wrong() });
          if (reply?.status === 200 && reply.body.success === false)
            acknowledged.failures.set(userId, (acknowledged.failures.get(userId) ?? 0) + 1);
        }
      }
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_, i) => loop(i)));
  return {
    answers,
    acknowledged,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** Polls `probe` every 50 ms until it answers 2xx; resolves with the time it took, or rejects after `withinMs`. */
export async function timeToSuccess(probe: () => Promise<number>, withinMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const status = await probe().catch(() => 0);
    if (status >= 200 && status < 300) return Date.now() - start;
    if (Date.now() - start > withinMs) throw new Error(`no success within ${withinMs} ms (last status ${status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
