// What every storage contract suite runs against, and the sample rows the suites write. Each test writes under
// fresh tenant ids, so one database can serve a whole suite without tests seeing each other's rows.
import type {
  WebAuthnMaterial,
  AuditReader,
  KindMaterial,
  Repositories,
  SealedSecret,
  StoredCredential,
  StoredPolicy,
  UnitOfWork,
} from "@mfa-chain/application";
import type { Attempt, AuditEvent, Credential, CredentialParams, ImplementedFactorType, OtpParams } from "@mfa-chain/domain";
import { afterAll, beforeAll } from "vitest";
import { TEST_EPOCH } from "@mfa-chain/domain/testing";

export interface StorageUnderTest {
  readonly uow: UnitOfWork;
  readonly auditReader: AuditReader;
  /** Called once after the suite. */
  readonly close?: () => Promise<void>;
}

/** Called once per suite (in beforeAll). */
export type MakeStorage = () => Promise<StorageUnderTest> | StorageUnderTest;

export interface StorageHandle {
  /** One unit of work over the storage under test. */
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /** Work without a transaction (UnitOfWork.direct) where the storage offers it; a unit of work otherwise. */
  direct<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  readonly auditReader: AuditReader;
}

/** Sets the storage up for the enclosing describe block (beforeAll / afterAll). */
export function setUpStorage(makeStorage: MakeStorage): StorageHandle {
  let storage: StorageUnderTest | undefined;
  beforeAll(async () => {
    storage = await makeStorage();
  });
  afterAll(async () => {
    await storage?.close?.();
  });
  const current = (): StorageUnderTest => {
    if (!storage) throw new Error("the storage under test is not set up (makeStorage has not run)");
    return storage;
  };
  return {
    run: (work) => current().uow.run(work),
    direct: (work) => {
      const { uow } = current();
      return uow.direct ? uow.direct(work) : uow.run(work);
    },
    get auditReader() {
      return current().auditReader;
    },
  };
}

const runId = Math.random().toString(36).slice(2, 8);
let tenantCounter = 0;

/** A tenant id no other test uses. */
export const freshTenant = (label = "t"): string => `${label}-${runId}-${++tenantCounter}`;

export const T0 = TEST_EPOCH;

export function samplePolicy(tenantId: string, id = "login", version = 1, overrides: Partial<StoredPolicy> = {}): StoredPolicy {
  return {
    tenantId,
    id,
    version,
    createdAt: T0 + version * 1000,
    name: `Policy ${id} v${version}`,
    mode: "random",
    requiredSteps: 2,
    factors: [
      { id: "token_1", label: "Token 1", type: "totp", options: { algorithm: "SHA1", digits: 6, period: 30 } },
      { id: "token_2", label: "Token 2", type: "totp", options: { algorithm: "SHA256", digits: 8, period: 60 } },
      { id: "token_3", label: "Token 3", type: "hotp", options: { algorithm: "SHA512", digits: 6 } },
    ],
    verifyWindow: 1,
    attemptTtlSeconds: 600,
    lockout: { maxFailures: 5, baseSeconds: 300, maxSeconds: 3600 },
    ...overrides,
  };
}

const TOTP: OtpParams = { type: "totp", algorithm: "SHA1", digits: 6, period: 30 };

/** A sample credential's common part, params, and the material fields of its kind (the rest take defaults). */
export interface SampleCredentialOverrides extends Partial<Omit<Credential, "id" | "tenantId" | "params">> {
  readonly params?: CredentialParams;
  readonly secret?: SealedSecret;
  readonly lastTimeStep?: number | null;
  readonly counter?: number;
  readonly codeHashes?: readonly string[];
  /** A WebAuthn credential's registered key (default: none yet). */
  readonly webauthn?: WebAuthnMaterial["registered"];
}

/** A WebAuthn credential's params as a policy gives them. */
export const SAMPLE_WEBAUTHN_PARAMS = {
  type: "webauthn",
  userVerification: "preferred",
  residentKey: "preferred",
  attestation: "none",
  algorithms: ["ES256"],
} as const;

/** A registered WebAuthn key as stored, distinct per `webauthnId`. */
export const sampleWebAuthnKey = (webauthnId: string, signCount = 0): NonNullable<WebAuthnMaterial["registered"]> => ({
  credentialId: webauthnId,
  publicKey: "pQECAyYgASFYIA",
  algorithm: "ES256",
  signCount,
  transports: ["internal"],
  aaguid: "00000000-0000-0000-0000-000000000000",
  attestationFormat: "none",
  backupEligible: true,
  backedUp: false,
});

/** A sealed-looking secret, distinct per credential id (the storage never opens it). */
export const sampleSecret = (id: string): SealedSecret => ({
  keyId: "k1",
  ciphertext: Uint8Array.from([1, 0, 255, 7, 42, ...id.split("").map((c) => c.charCodeAt(0) & 0xff)]),
});

/** A backup code's keyed hash as stored: 64 hex digits, distinct per `n`. */
export const sampleCodeHash = (n: number): string => n.toString(16).padStart(64, "0");

const SAMPLE_MATERIAL: { readonly [K in ImplementedFactorType]: (id: string, o: SampleCredentialOverrides) => KindMaterial[K] } = {
  totp: (id, o) => ({ secret: o.secret ?? sampleSecret(id), lastTimeStep: o.lastTimeStep ?? null }),
  hotp: (id, o) => ({ secret: o.secret ?? sampleSecret(id), counter: o.counter ?? 0 }),
  backup_code: (_id, o) => ({ codeHashes: o.codeHashes ?? [1, 2, 3].map(sampleCodeHash) }),
  email: (id, o) => ({ destination: o.secret ?? sampleSecret(id), masked: "a***@example.com", destinationKey: sampleCodeHash(7) }),
  sms: (id, o) => ({ destination: o.secret ?? sampleSecret(id), masked: "+44******789", destinationKey: sampleCodeHash(8) }),
  // A WebAuthn credential as enrolled (pending: nothing registered yet), or registered with `webauthn`.
  webauthn: (_id, o) => ({ registered: o.webauthn ?? null }),
  // A push credential as enrolled: its enrollment token's hash, no device until a proof records one.
  push: () => ({ enrollmentTokenHash: sampleCodeHash(9), device: null, challenges: [] }),
};

export function sampleCredential(tenantId: string, id: string, overrides: SampleCredentialOverrides = {}): StoredCredential {
  const { secret: _s, lastTimeStep: _l, counter: _c, codeHashes: _h, webauthn: _w, ...common } = overrides;
  const status = overrides.status ?? "pending";
  const params = overrides.params ?? TOTP;
  return {
    id,
    tenantId,
    userId: "alice",
    factorId: "token_1",
    label: "Token 1",
    createdAt: T0,
    confirmedAt: status === "active" ? T0 + 1000 : null,
    revokedAt: status === "revoked" ? T0 + 2000 : null,
    ...common,
    status,
    params,
    material: (SAMPLE_MATERIAL[params.type] as (id: string, o: SampleCredentialOverrides) => unknown)(id, overrides),
  } as StoredCredential;
}

/** A stored credential's material with every kind's fields optional, for assertions. */
export interface AnyMaterial {
  readonly secret?: SealedSecret;
  readonly lastTimeStep?: number | null;
  readonly counter?: number;
  readonly codeHashes?: readonly string[];
  readonly destination?: SealedSecret;
  readonly masked?: string;
  readonly destinationKey?: string;
  readonly enrollmentTokenHash?: string | null;
  readonly registered?: WebAuthnMaterial["registered"];
}
export const materialOf = (c: StoredCredential | null | undefined): AnyMaterial | undefined => c?.material;

export function sampleAttempt(tenantId: string, id: string, overrides: Partial<Attempt> = {}): Attempt {
  return {
    id,
    tenantId,
    userId: "alice",
    policyId: "login",
    policyVersion: 1,
    chain: ["token_2", "token_1"],
    eligible: ["token_1", "token_2", "token_3"],
    cursor: 0,
    status: "active",
    createdAt: T0,
    expiresAt: T0 + 600_000,
    completedAt: null,
    version: 1,
    ...overrides,
  };
}

export function sampleEvent(tenantId: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    tenantId,
    type: "attempt.step_failed",
    at: T0,
    actor: { kind: "api_key", id: "key-1" },
    userId: "alice",
    attemptId: "att-1",
    factorId: "token_1",
    data: { reason: "invalid_code", failuresRemaining: 4, locked: false, note: null },
    ...overrides,
  };
}

class Abandon extends Error {
  constructor(readonly value: boolean) {
    super("abandoned on purpose");
  }
}

/** Runs `write` and, as the use case does when it reports false, rolls the transaction back; resolves to its result. */
export async function abandoned(
  run: <T>(work: (r: Repositories) => Promise<T>) => Promise<T>,
  write: (r: Repositories) => Promise<boolean>,
): Promise<boolean> {
  try {
    await run(async (r) => {
      throw new Abandon(await write(r));
    });
  } catch (error) {
    if (error instanceof Abandon) return error.value;
    throw error;
  }
  throw new Error("unreachable");
}
