// Parallel transactions on a real PostgreSQL server (PGlite has one connection, so these run only here). Each test
// opens 50 transactions, holds them at a barrier until all 50 are open, then releases them together.
import { advance, recordFailure, type LockoutSettings } from "@mfa-chain/domain";
import { materialOf, sampleAttempt, sampleCodeHash, sampleCredential, T0 } from "@mfa-chain/testing/contracts";
import type { Repositories, StepClaim, StepState, StepWrite, StoredCredential } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { useServerDatabase } from "./support/databases.js";

const PARALLEL = 50;
const database = useServerDatabase("concurrency", { poolSize: PARALLEL + 10 });

/** Resolves for everyone once `n` callers have arrived; fails loudly instead of hanging if they never do. */
function barrier(n: number, timeoutMs = 15_000): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`barrier: only ${arrived} of ${n} transactions arrived (pool too small?)`)), timeoutMs);
    void all.then(() => clearTimeout(timer));
  });
  return async () => {
    arrived += 1;
    if (arrived === n) release();
    await Promise.race([all, timeout]);
  };
}

/** Runs `work` in PARALLEL transactions, all begun before any proceeds. */
async function inParallel<T>(work: (r: Repositories) => Promise<T>): Promise<T[]> {
  const uow = new PostgresUnitOfWork(database.current.db);
  const arrive = barrier(PARALLEL);
  return Promise.all(
    Array.from({ length: PARALLEL }, () =>
      uow.run(async (r) => {
        await arrive();
        return work(r);
      }),
    ),
  );
}

const uow = () => new PostgresUnitOfWork(database.current.db);
const settings: LockoutSettings = { maxFailures: 100, baseSeconds: 60, maxSeconds: 3600 };

describe("parallel transactions on PostgreSQL", () => {
  it("50 parallel advances of the same step of one attempt (findForUpdate + compare-and-set): exactly one advances", async () => {
    await uow().run((r) => r.attempts.insert(sampleAttempt("tc", "a-lock")));
    const advanced = await inParallel(async (r) => {
      const attempt = await r.attempts.findForUpdate("tc", "a-lock");
      if (!attempt || attempt.cursor !== 0) return false;
      return r.attempts.update(advance(attempt, T0 + 1), attempt.version);
    });
    expect(advanced.filter(Boolean)).toHaveLength(1);
    expect(await uow().run((r) => r.attempts.find("tc", "a-lock"))).toMatchObject({ cursor: 1, version: 2 });
  });

  it("50 parallel advances of one attempt through compare-and-set alone (no lock): exactly one update wins", async () => {
    await uow().run((r) => r.attempts.insert(sampleAttempt("tc", "a-cas")));
    const advanced = await inParallel(async (r) => {
      const attempt = await r.attempts.find("tc", "a-cas");
      return attempt ? r.attempts.update(advance(attempt, T0 + 1), attempt.version) : false;
    });
    expect(advanced.filter(Boolean)).toHaveLength(1);
    expect(await uow().run((r) => r.attempts.find("tc", "a-cas"))).toMatchObject({ cursor: 1, version: 2 });
  });

  it("S2 50 parallel claims of one TOTP time step (credentials.claim): exactly one wins", async () => {
    await uow().run((r) => r.credentials.insert(sampleCredential("tc", "totp", { status: "active", lastTimeStep: 1000 })));
    const won = await inParallel((r) => r.credentials.claim("tc", { kind: "time_step", credentialId: "totp", step: 1001 }, T0));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(materialOf(await uow().run((r) => r.credentials.findById("tc", "alice", "totp")))?.lastTimeStep).toBe(1001);
  });

  it("S5 50 parallel claims of one HOTP counter (credentials.claim): exactly one wins", async () => {
    await uow().run((r) =>
      r.credentials.insert(
        sampleCredential("tc", "hotp", {
          status: "active",
          factorId: "token_3",
          params: { type: "hotp", algorithm: "SHA1", digits: 6 },
          counter: 7,
        }),
      ),
    );
    const won = await inParallel((r) => r.credentials.claim("tc", { kind: "counter", credentialId: "hotp", expected: 7, next: 8 }, T0));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(materialOf(await uow().run((r) => r.credentials.findById("tc", "alice", "hotp")))?.counter).toBe(8);
  });

  it("S19 50 parallel redemptions of one backup code (credentials.claim): exactly one wins, the others of the set stay unused", async () => {
    const hashes = [1, 2, 3].map(sampleCodeHash);
    await uow().run((r) =>
      r.credentials.insert(
        sampleCredential("tc", "codes", { status: "active", factorId: "backup", params: { type: "backup_code" }, codeHashes: hashes }),
      ),
    );
    const won = await inParallel((r) =>
      r.credentials.claim("tc", { kind: "backup_code", credentialId: "codes", codeHash: sampleCodeHash(2) }, T0),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(materialOf(await uow().run((r) => r.credentials.findById("tc", "alice", "codes")))?.codeHashes).toEqual(
      [1, 3].map(sampleCodeHash),
    );
  });

  it("S6 50 parallel failures of a user with no lockout row yet raise the count by exactly 50", async () => {
    await inParallel(async (r) => {
      const lock = await r.lockouts.findForUpdate("tc", "fresh-user");
      await r.lockouts.save("tc", "fresh-user", recordFailure(lock, settings, T0), T0);
    });
    expect((await uow().run((r) => r.lockouts.find("tc", "fresh-user"))).consecutiveFailures).toBe(PARALLEL);
  });

  it("S6 50 parallel failures of a user with a count raise it by exactly 50", async () => {
    await uow().run((r) => r.lockouts.save("tc", "counted-user", { consecutiveFailures: 3, lockCount: 0, lockedUntil: null }, T0));
    await inParallel(async (r) => {
      const lock = await r.lockouts.findForUpdate("tc", "counted-user");
      await r.lockouts.save("tc", "counted-user", recordFailure(lock, settings, T0), T0);
    });
    expect((await uow().run((r) => r.lockouts.find("tc", "counted-user"))).consecutiveFailures).toBe(3 + PARALLEL);
  });

  /** What a verify of one code writes, decided as the use case does: the claim when `fresh`, a counted failure otherwise. */
  function decideStep(state: StepState, fresh: (c: StoredCredential) => boolean, claim: StepClaim): StepWrite {
    if (!state.credential) throw new Error("the credential was not read");
    const isFresh = fresh(state.credential);
    return {
      attempt: { ...state.attempt, cursor: isFresh ? 1 : 0, version: state.attempt.version + 1 },
      expectedVersion: state.attempt.version,
      claim: isFresh ? claim : null,
      lock: isFresh ? null : recordFailure(state.lock, settings, T0),
      events: [],
      at: T0,
    };
  }

  /**
   * 50 parallel verifies of one user's credential on 50 attempts, each deciding as the use case does from what
   * `lockForStep` read (`fresh`), writing the claim when fresh and a failure otherwise. Exactly one may find the code
   * fresh; every write must succeed (a stale read would decide "fresh" and find its claim gone at the write), and every
   * other verify is one counted failure.
   */
  async function parallelVerifiesOfOneCode(tenant: string, fresh: (c: StoredCredential) => boolean, claim: StepClaim): Promise<void> {
    let next = 0;
    const results = await inParallel(async (r) => {
      const state = await r.steps.lockForStep(tenant, `a-${next++}`, "token_1");
      if (!state) throw new Error("the attempt was not read");
      const write = decideStep(state, fresh, claim);
      return { isFresh: write.claim !== null, written: await r.steps.write(tenant, "alice", write) };
    });
    expect(results.filter((x) => !x.written)).toEqual([]);
    expect(results.filter((x) => x.isFresh)).toHaveLength(1);
    expect((await uow().run((r) => r.lockouts.find(tenant, "alice"))).consecutiveFailures).toBe(PARALLEL - 1);
  }

  /** The user's credential and 50 attempts on it; with `counted`, a failure counter exists already. */
  async function givenVerifies(tenant: string, credential: StoredCredential, counted: boolean): Promise<void> {
    await uow().run(async (r) => {
      // With a counter row, the waits happen inside the read's own statement, whose snapshot predates the claims made
      // meanwhile: only the credential's own lock (the OTP guard is on its row) or a locking read of material in
      // another table (backup codes) sees them.
      if (counted) await r.lockouts.save(tenant, "alice", { consecutiveFailures: 0, lockCount: 0, lockedUntil: null }, T0);
      await r.credentials.insert(credential);
      for (let i = 0; i < PARALLEL; i++) await r.attempts.insert(sampleAttempt(tenant, `a-${i}`, { chain: ["token_1"] }));
    });
  }

  it.each([
    ["a user's first verify (no failure counter yet)", false],
    ["a user with a failure counter (every verify waits inside the one locking read)", true],
  ])(
    "S2 S6 the verify path's read (steps.lockForStep) locks counter, credential and material: 50 parallel verifies of one user on 50 attempts, one code, one claim, every failure counted: %s",
    async (_case, counted) => {
      const tenant = counted ? "tc-steps-counted" : "tc-steps";
      await givenVerifies(tenant, sampleCredential(tenant, "cred", { status: "active", lastTimeStep: 1000 }), counted);
      // The code of step 1001 is fresh only if the guard read under the lock is below it.
      await parallelVerifiesOfOneCode(tenant, (c) => (materialOf(c)?.lastTimeStep ?? -1) < 1001, {
        kind: "time_step",
        credentialId: "cred",
        step: 1001,
      });
      expect(materialOf(await uow().run((r) => r.credentials.findById(tenant, "alice", "cred")))?.lastTimeStep).toBe(1001);
    },
  );

  /**
   * 50 parallel verifies of one code as the use case runs them optimistically: `readForStep` and `writeIfUnchanged`
   * without a transaction, and, where that write refuses, the locking path in a transaction. With `guarded: false` the
   * optimistic write is the locking path's plain `write` instead: what the guard prevents.
   */
  async function optimisticVerifiesOfOneCode(
    tenant: string,
    fresh: (c: StoredCredential) => boolean,
    claim: StepClaim,
    guarded = true,
  ): Promise<{ successes: number; failures: number; retried: number }> {
    let next = 0;
    const arrive = barrier(PARALLEL);
    const decide = (state: StepState): StepWrite => decideStep(state, fresh, claim);
    const outcomes = await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        const attemptId = `a-${next++}`;
        const first = await uow().direct(async (r) => {
          const state = await r.steps.readForStep(tenant, attemptId, "token_1");
          if (!state) throw new Error("the attempt was not read");
          await arrive(); // every read is done before any write
          const write = decide(state);
          const ok = guarded
            ? await r.steps.writeIfUnchanged(tenant, "alice", write, state.lock)
            : await r.steps.write(tenant, "alice", write);
          return ok ? { success: write.claim !== null, retried: false } : null;
        });
        if (first) return first;
        return uow().run(async (r) => {
          const write = decide((await r.steps.lockForStep(tenant, attemptId, "token_1"))!);
          if (!(await r.steps.write(tenant, "alice", write))) throw new Error("the locking path's write did not hold");
          return { success: write.claim !== null, retried: true };
        });
      }),
    );
    return {
      successes: outcomes.filter((o) => o.success).length,
      failures: (await uow().run((r) => r.lockouts.find(tenant, "alice"))).consecutiveFailures,
      retried: outcomes.filter((o) => o.retried).length,
    };
  }

  it.each([
    ["TOTP", "tc-opt-totp"],
    ["backup code", "tc-opt-codes"],
  ])(
    "S2 S6 S19 the optimistic verify (%s): 50 parallel verifies of one code, all read before any writes: one success, 49 failures counted, the refused writes retried on the locking path",
    async (kind, tenant) => {
      const totp = kind === "TOTP";
      const credential = totp
        ? sampleCredential(tenant, "cred", { status: "active", lastTimeStep: 1000 })
        : sampleCredential(tenant, "cred", { status: "active", params: { type: "backup_code" }, codeHashes: [1, 2].map(sampleCodeHash) });
      await givenVerifies(tenant, credential, true);
      const result = await optimisticVerifiesOfOneCode(
        tenant,
        (c) => (totp ? (materialOf(c)?.lastTimeStep ?? -1) < 1001 : (materialOf(c)?.codeHashes?.includes(sampleCodeHash(2)) ?? false)),
        totp
          ? { kind: "time_step", credentialId: "cred", step: 1001 }
          : { kind: "backup_code", credentialId: "cred", codeHash: sampleCodeHash(2) },
      );
      // Every read saw the code unused and the counter at 0: one write could hold, the others were refused and retried.
      expect(result).toEqual({ successes: 1, failures: PARALLEL - 1, retried: PARALLEL - 1 });
    },
  );

  it.each([
    ["with the guard (writeIfUnchanged): every failure counts", true],
    ["without it (the plain write after an unlocked read): parallel failures overwrite each other's count", false],
  ])("S6 50 parallel wrong codes of one user on the optimistic path, all read before any writes, %s", async (_case, guarded) => {
    const tenant = guarded ? "tc-opt-wrong" : "tc-opt-unguarded";
    await givenVerifies(tenant, sampleCredential(tenant, "cred", { status: "active", lastTimeStep: 1000 }), true);
    const result = await optimisticVerifiesOfOneCode(tenant, () => false, { kind: "time_step", credentialId: "cred", step: 1001 }, guarded);
    if (guarded) expect(result).toEqual({ successes: 0, failures: PARALLEL, retried: PARALLEL - 1 });
    // Each wrote the failure it decided from the counter read at 0: one failure instead of 50.
    else expect(result.failures).toBeLessThan(PARALLEL);
  });

  it("S19 the verify path's read of a backup-code set under 50 parallel verifies of one code: it is seen unused once, used by every later reader, one claim", async () => {
    const tenant = "tc-steps-codes";
    const hashes = [1, 2, 3].map(sampleCodeHash);
    const codes = sampleCredential(tenant, "codes", {
      status: "active",
      factorId: "token_1",
      params: { type: "backup_code" },
      codeHashes: hashes,
    });
    await givenVerifies(tenant, codes, true);
    await parallelVerifiesOfOneCode(tenant, (c) => materialOf(c)?.codeHashes?.includes(sampleCodeHash(2)) ?? false, {
      kind: "backup_code",
      credentialId: "codes",
      codeHash: sampleCodeHash(2),
    });
    expect(materialOf(await uow().run((r) => r.credentials.findById(tenant, "alice", "codes")))?.codeHashes).toEqual(
      [1, 3].map(sampleCodeHash),
    );
  });
});
