// The operator's commands against a real PostgreSQL: creating a tenant and its key, rotating the secret keyring
// online (re-encryption with a new key while the API keeps serving), the API's start-up errors, and the main command
// on the embedded database.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { ApiClient, enrollAll, startTestApi, twoFactorPolicy, uniqueId } from "./support/api.js";
import { runNode as node, spawnApi } from "./support/processes.js";

const database = useTestDatabase("api_cli");
const hashKey = randomBytes(32).toString("base64");

async function keyIdsInDatabase(): Promise<string[]> {
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  try {
    return (await sql.query("select distinct secret_key_id as k from otp_secrets order by 1")).rows.map((r) => r.k as string);
  } finally {
    await sql.end();
  }
}

/** The CLI's database settings (the test database exists from beforeAll on). */
const dbEnv = (): Record<string, string> => ({ DATABASE_URL: database.url });

describe("mfa-chain-api-cli", () => {
  it("create-tenant prints a key the API accepts; a second create of the same tenant is refused", async () => {
    const tenant = uniqueId("acme").toLowerCase();
    const created = await node("src/cli.ts", ["create-tenant", tenant], dbEnv());
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split("\n").at(-1) as string;
    expect(key).toMatch(/^mfa_[A-Za-z0-9_-]{43}$/);
    const api = await startTestApi(database.url);
    try {
      expect((await new ApiClient(api.url, key).get("/v1/policies")).status).toBe(200);
    } finally {
      await api.close();
    }
    const again = await node("src/cli.ts", ["create-tenant", tenant], dbEnv());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exists");
    const bad = await node("src/cli.ts", ["create-tenant", "Not Valid"], dbEnv());
    expect(bad.code).toBe(2);
  });

  it("secrets:rotate re-seals every factor secret with the new key while the API serves; the old key can then go", async () => {
    const k1 = `k1:${generateKeyringKey()}`;
    const k2 = `k2:${generateKeyringKey()}`;
    const before = await startTestApi(database.url, { MFA_SECRET_KEYS: k1 });
    const { client } = await before.tenant();
    expect((await client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
    const userId = uniqueId("u");
    const devices = await enrollAll(client, before.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
    expect(await keyIdsInDatabase()).toEqual(["k1"]);

    // Rotation runs while the old instance still serves.
    const rotated = await node("src/cli.ts", ["secrets:rotate"], { ...dbEnv(), MFA_SECRET_KEYS: `${k2},${k1}` });
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/re-sealed [1-9]\d*, failed 0/);
    expect(rotated.stdout).not.toContain(k1.slice(3));
    expect(rotated.stdout).not.toContain(k2.slice(3));
    expect(await keyIdsInDatabase()).toEqual(["k2"]);
    await before.close();

    const after = await startTestApi(database.url, { MFA_SECRET_KEYS: k2 });
    try {
      const c = new ApiClient(after.url, client.apiKey);
      const attemptId = (await c.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
      expect(
        (await c.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() })).body.success,
      ).toBe(true);
      expect((await c.post(`/v1/attempts/${attemptId}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() })).body.complete).toBe(
        true,
      );
    } finally {
      await after.close();
    }
  });

  it("the CLI prints its usage on --help, and names a bad option or DATABASE_URL", async () => {
    const help = await node("src/cli.ts", ["--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: pnpm mfa <command>");
    const bogus = await node("src/cli.ts", ["migrate", "--bogus"], dbEnv());
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("Unknown option '--bogus'");
    const badUrl = await node("src/cli.ts", ["migrate"], { DATABASE_URL: "notaurl" });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("DATABASE_URL: expected a postgres://");
  });

  it("the API refuses to start on a bad configuration value, naming it", async () => {
    const bad = await node("src/main.ts", [], { PORT: "eighty", MFA_DATA_DIR: "memory://" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("PORT");
    const noKeys = await node("src/main.ts", [], { DATABASE_URL: database.url });
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toContain("MFA_SECRET_KEYS");
    const badKeys = await node("src/main.ts", [], {
      DATABASE_URL: database.url,
      MFA_SECRET_KEYS: "k1:tooshort",
      PORT: "0",
      MFA_CODE_HASH_KEY: hashKey,
    });
    expect(badKeys.code).not.toBe(0);
    expect(badKeys.stderr).toContain("MFA_SECRET_KEYS");
    const noHashKey = await node("src/main.ts", [], {
      DATABASE_URL: database.url,
      MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
      PORT: "0",
    });
    expect(noHashKey.code).toBe(2);
    expect(noHashKey.stderr).toContain("MFA_CODE_HASH_KEY: required when DATABASE_URL is set");
  });

  it("the API names what stops it at start: a port in use, an address not on this machine", async () => {
    const keys = `k1:${generateKeyringKey()}`;
    const taken = createServer();
    await new Promise<void>((ok) => taken.listen(0, "127.0.0.1", ok));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const inUse = await node("src/main.ts", [], {
        DATABASE_URL: database.url,
        MFA_SECRET_KEYS: keys,
        MFA_CODE_HASH_KEY: hashKey,
        PORT: port,
        HOST: "127.0.0.1",
      });
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toContain(`cannot listen on HOST=127.0.0.1 PORT=${port}: the port is in use`);
    } finally {
      taken.close();
    }
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const foreign = await node("src/main.ts", [], {
      DATABASE_URL: database.url,
      MFA_SECRET_KEYS: keys,
      MFA_CODE_HASH_KEY: hashKey,
      PORT: "0",
      HOST: "192.0.2.1",
    });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain("cannot listen on HOST=192.0.2.1 PORT=0: that address is not one of this machine's");
  });

  it("the API starts without its Redis, names it (never its password), and limits request rates in process meanwhile", async () => {
    const noRedis = await spawnApi({
      DATABASE_URL: database.url,
      MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
      REDIS_URL: "redis://:hunter2@127.0.0.1:1/0",
      RATE_LIMIT_PER_IP: "3",
    });
    try {
      expect(noRedis.output()).toContain("REDIS_URL: cannot connect to Redis at 127.0.0.1:1");
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await fetch(`${noRedis.url}/v1/policies`, { headers: { authorization: "Bearer not-a-valid-key-but-long-enough" } })).status,
        );
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(noRedis.output()).not.toContain("hunter2");
    } finally {
      expect(await noRedis.stop()).toBe(0);
    }
  });
});

describe("the main command on the embedded database", () => {
  it("starts on PGlite with the demo tenant, hands its admin key to a 0600 file, refuses a second opener, and restarts cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mfa-embedded-"));
    const env = { MFA_DATA_DIR: join(dir, "pglite"), MFA_DEMO: "true" };
    try {
      const first = await spawnApi(env, 60_000);
      try {
        const keyFile = join(dir, "demo-admin-key");
        expect(existsSync(keyFile)).toBe(true);
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        const adminKey = readFileSync(keyFile, "utf8").trim();
        expect(first.output()).not.toContain(adminKey);
        const demo = new ApiClient(first.url, adminKey);
        expect((await demo.get("/v1/policies/demo-login")).body).toMatchObject({ id: "demo-login", requiredSteps: 2 });
        expect((await fetch(`${first.url}/demo/config.json`)).status).toBe(200);
        expect(await (await fetch(`${first.url}/readyz`)).json()).toEqual({ status: "ready" });
        // The data folder is this process's: the CLI refuses to open it meanwhile.
        const busy = await node("src/cli.ts", ["create-tenant", "acme"], env);
        expect(busy.code).toBe(1);
        expect(busy.stderr).toContain("in use by process");
      } finally {
        expect(await first.stop()).toBe(0);
      }
      const second = await spawnApi(env, 60_000);
      try {
        expect(second.output()).not.toContain("Created the demo tenant");
        const adminKey = readFileSync(join(dir, "demo-admin-key"), "utf8").trim();
        expect((await new ApiClient(second.url, adminKey).get("/v1/policies")).status).toBe(200);
      } finally {
        expect(await second.stop()).toBe(0);
      }
      // The demo on PostgreSQL keeps its key in a file of that database's own: the embedded one's is untouched.
      const embeddedKey = readFileSync(join(dir, "demo-admin-key"), "utf8");
      const onPostgres = await spawnApi({ ...env, DATABASE_URL: database.url, MFA_SECRET_KEYS: `k1:${generateKeyringKey()}` }, 60_000);
      try {
        const dbName = new URL(database.url).pathname.slice(1);
        const pgKey = readFileSync(join(dir, `demo-admin-key.${dbName}`), "utf8").trim();
        expect((await new ApiClient(onPostgres.url, pgKey).get("/v1/policies/demo-login")).status).toBe(200);
        expect(readFileSync(join(dir, "demo-admin-key"), "utf8")).toBe(embeddedKey);
      } finally {
        expect(await onPostgres.stop()).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
