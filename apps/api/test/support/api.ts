/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// Test support for the HTTP end-to-end tests: the real app on a loopback port over a real database, a client that
// speaks to it with fetch, and an authenticator that computes codes from an enrollment's secret like a phone would.
import { randomBytes } from "node:crypto";
import type { Clock } from "@mfa-chain/application";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { decodeBase32, generateHotp, generateTotp, timeStepAt, type OtpAlgorithm } from "@mfa-chain/totp";
import type { Logger } from "pino";
import { createTenant } from "../../src/boot/api-keys.js";
import { loadConfig } from "../../src/config.js";
import { startServer, type RunningServer } from "../../src/server.js";

/** The system clock plus an offset that a test can move forward (expiry, lock durations). */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface Reply<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly contentType: string;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string | null,
  ) {}

  async call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    init: { headers?: Record<string, string>; raw?: string } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) };
    let payload: string | undefined;
    if (init.raw !== undefined) payload = init.raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...headers, ...init.headers },
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await res.text();
    const contentType = res.headers.get("content-type") ?? "";
    let parsed: unknown = text;
    if (contentType.includes("json") && text.length > 0) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, contentType };
  }

  get = <T = any>(path: string) => this.call<T>("GET", path);
  post = <T = any>(path: string, body?: unknown) => this.call<T>("POST", path, body ?? {});
  put = <T = any>(path: string, body?: unknown) => this.call<T>("PUT", path, body);
  delete = <T = any>(path: string) => this.call<T>("DELETE", path);
}

/** A tenant made by TestApi.tenant: its id, its API key and a client that sends that key. */
export interface TestTenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly client: ApiClient;
}

export interface TestApi {
  readonly server: RunningServer;
  readonly url: string;
  readonly clock: OffsetClock;
  /** MFA_SECRET_KEYS of this instance: another instance given the same can open the same secrets. */
  readonly keySpec: string;
  /** A fresh tenant with an admin key. */
  tenant(role?: "admin" | "service"): Promise<TestTenant>;
  close(): Promise<void>;
}

export const uniqueId = (prefix: string): string => `${prefix}_${randomBytes(6).toString("hex")}`;

/** The app on a loopback port: on the given PostgreSQL database, or with `null` on an in-memory embedded one. */
export async function startTestApi(
  databaseUrl: string | null,
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestApi> {
  const clock = new OffsetClock();
  const keySpec = env.MFA_SECRET_KEYS ?? `test:${generateKeyringKey()}`;
  const config = loadConfig({
    ...(databaseUrl === null ? { MFA_DATA_DIR: "memory://" } : { DATABASE_URL: databaseUrl }),
    PORT: "0",
    LOG_LEVEL: "silent",
    MFA_DEMO: "false",
    DATABASE_POOL_SIZE: "30",
    RATE_LIMIT_PER_IP: "1000000",
    RATE_LIMIT_PER_KEY: "1000000",
    VAULT_READS_PER_WINDOW: "1000000",
    SHUTDOWN_GRACE_SECONDS: "2",
    MFA_CODE_HASH_KEY: randomBytes(32).toString("base64"),
    ...env,
    MFA_SECRET_KEYS: keySpec,
  });
  const server = await startServer({ config, clock, auditSealMs: 0, ...(options.logger ? { logger: options.logger } : {}) });
  await server.started;
  return {
    server,
    url: server.url,
    clock,
    keySpec,
    async tenant(role = "admin") {
      const tenantId = uniqueId("t");
      const { apiKey } = await createTenant(server.database.db, { id: tenantId, name: tenantId, role, now: clock.now() });
      return { tenantId, apiKey, client: new ApiClient(server.url, apiKey) };
    },
    close: () => server.close(),
  };
}

export interface Enrollment {
  readonly factor: {
    id: string;
    factorId: string;
    label: string;
    type: "totp" | "hotp";
    status: string;
    params: { algorithm: OtpAlgorithm; digits: 6 | 8; period?: number };
  };
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qr: { png: string; svg: string };
}

/** How an authenticator app of each OTP kind makes its next code. */
const OTP_NEXT: { readonly [K in Enrollment["factor"]["type"]]: (a: Authenticator) => string } = {
  totp: (a) => a.nextTotp(),
  hotp: (a) => a.nextHotp(),
};

/** An authenticator holding one enrolled secret: like a phone app, plus the memory of which step it last sent. */
export class Authenticator {
  private lastStep = -1;
  private counter = 0;
  private readonly key: Uint8Array;

  constructor(
    readonly enrollment: Enrollment,
    private readonly clock: Clock,
  ) {
    this.key = decodeBase32(enrollment.secret);
  }

  get credentialId(): string {
    return this.enrollment.factor.id;
  }

  private get options() {
    const p = this.enrollment.factor.params;
    return { algorithm: p.algorithm, digits: p.digits, period: p.period ?? 30 };
  }

  /** A fresh valid code, the way the factor's kind makes one (OTP_NEXT). */
  next(): string {
    return OTP_NEXT[this.enrollment.factor.type](this);
  }

  /** HOTP: the code of the next counter. */
  nextHotp(): string {
    return generateHotp(this.key, this.counter++, this.options);
  }

  /**
   * TOTP: the code of the smallest step within the ±1 window that is later than the last one sent (the server refuses
   * a step it has already accepted).
   */
  nextTotp(): string {
    const period = this.options.period;
    // A step boundary so close that it may pass before the server checks the code would make the previous step's
    // code stale: wait for it to pass first (at most 2 s; blocking, but nothing is in flight while a code is chosen).
    const periodMs = period * 1000;
    const untilBoundary = periodMs - (this.clock.now() % periodMs);
    if (untilBoundary < 2_000) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, untilBoundary + 50);
    const now = timeStepAt(this.clock.now(), period);
    const step = Math.max(now - 1, this.lastStep + 1);
    if (step > now + 1) throw new Error("this authenticator has used up the codes of the current window: advance the clock");
    this.lastStep = step;
    return generateTotp(this.key, step * period * 1000, this.options);
  }

  /** The code of the current step, without remembering it (for replay tests). */
  current(): string {
    return generateTotp(this.key, this.clock.now(), this.options);
  }

  /** The TOTP code `steps` periods from now (negative: in the past), without remembering it. */
  at(steps: number): string {
    return generateTotp(this.key, this.clock.now() + steps * this.options.period * 1000, this.options);
  }

  /** The HOTP code of a given counter, without remembering it. */
  counterCode(counter: number): string {
    return generateHotp(this.key, counter, this.options);
  }

  /** A code of the right shape that is not valid now (nor one step either side). */
  wrong(): string {
    const period = this.options.period;
    const valid = new Set([-1, 0, 1].map((d) => generateTotp(this.key, this.clock.now() + d * period * 1000, this.options)));
    for (let n = 0; ; n++) {
      const candidate = String(n).padStart(this.options.digits, "0");
      if (!valid.has(candidate)) return candidate;
    }
  }
}

/** Creates a policy, enrolls and confirms every listed factor for the user, and returns their authenticators. */
export async function enrollAll(
  client: ApiClient,
  clock: Clock,
  input: { userId: string; policyId: string; factorIds: readonly string[] },
): Promise<Record<string, Authenticator>> {
  const result: Record<string, Authenticator> = {};
  for (const factorId of input.factorIds) {
    const enrolled = await client.post<Enrollment>(`/v1/users/${input.userId}/factors`, { policyId: input.policyId, factorId });
    if (enrolled.status !== 201) throw new Error(`enroll ${factorId}: ${enrolled.status} ${JSON.stringify(enrolled.body)}`);
    const device = new Authenticator(enrolled.body, clock);
    const confirmed = await client.post(`/v1/users/${input.userId}/factors/${device.credentialId}/confirm`, { code: device.next() });
    if (confirmed.status !== 200 || confirmed.body.confirmed !== true)
      throw new Error(`confirm ${factorId}: ${JSON.stringify(confirmed.body)}`);
    result[factorId] = device;
  }
  return result;
}

/** Passes the policy's whole chain for the user with their authenticators; returns the completed attempt's id. */
export async function passChain(
  client: ApiClient,
  input: { userId: string; policyId: string; devices: Readonly<Record<string, Authenticator>> },
): Promise<string> {
  const started = await client.post("/v1/attempts", { userId: input.userId, policyId: input.policyId });
  if (started.status !== 201) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  const id = started.body.attemptId as string;
  let factor = started.body.currentFactor?.id as string | undefined;
  while (factor) {
    const step = await client.post(`/v1/attempts/${id}/verify`, { factorId: factor, code: input.devices[factor]!.next() });
    if (step.body?.success !== true) throw new Error(`verify ${factor}: ${step.status} ${JSON.stringify(step.body)}`);
    factor = step.body.nextFactor?.id;
  }
  return id;
}

export const twoFactorPolicy = (id: string, mode: "fixed" | "random" = "fixed") => ({
  id,
  name: "Two authenticator apps",
  mode,
  requiredSteps: 2,
  factors: [
    { id: "google_auth", label: "Google Authenticator", type: "totp" },
    { id: "ms_auth", label: "Microsoft Authenticator", type: "totp" },
  ],
});
