import { existsSync } from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { probeDocker } from "./docker-probe.js";
import { HarnessError } from "./harness.errors.js";
import { findPostgresBinDir, startLocalCluster } from "./local-cluster.js";
import { resolvePostgresServer } from "./resolve-server.js";
import { assertTestDatabaseName, assertTestDatabaseUrl, databaseUrl, testDatabaseName } from "./test-database.js";

describe("test database names", () => {
  it("refuse any database not named as a test database", () => {
    for (const name of ["postgres", "mfa_chain", "template1", "mfa_test_", "MFA_TEST_x", "mfa_test_x;drop", `mfa_test_${"x".repeat(60)}`]) {
      expect(() => assertTestDatabaseName(name)).toThrow(HarnessError);
    }
    expect(() => assertTestDatabaseUrl("postgres://postgres@127.0.0.1:5432/postgres")).toThrow(/refusing database "postgres"/);
    expect(() => assertTestDatabaseName(testDatabaseName("Storage Contracts!"))).not.toThrow();
    expect(testDatabaseName("Storage Contracts!")).toMatch(/^mfa_test_\d{10}_storage_contracts_[0-9a-f]{8}$/);
  });

  it("point the admin URL at another database", () => {
    expect(databaseUrl("postgres://u:p@h:5/postgres?sslmode=disable", "mfa_test_1")).toBe("postgres://u:p@h:5/mfa_test_1?sslmode=disable");
  });
});

describe("server resolution", () => {
  it("takes TEST_DATABASE_URL first, and says so", async () => {
    const lines: string[] = [];
    const server = await resolvePostgresServer({
      env: { TEST_DATABASE_URL: "postgres://u:secret@db:5432/postgres" },
      log: (l) => lines.push(l),
    });
    expect(server.kind).toBe("env");
    expect(lines.join("\n")).toContain("TEST_DATABASE_URL");
    expect(lines.join("\n")).not.toContain("secret");
  });

  it("finds no Docker engine quickly when none answers", async () => {
    const started = Date.now();
    const probe = await probeDocker({ DOCKER_HOST: "tcp://127.0.0.1:9" }, 500);
    expect(probe.available).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("fails loudly, saying how to provide a server, when there is none", async () => {
    const lines: string[] = [];
    await expect(
      resolvePostgresServer({ env: { DOCKER_HOST: "tcp://127.0.0.1:9", PG_BIN_DIR: "/nonexistent" }, log: (l) => lines.push(l) }),
    ).rejects.toThrow(/no PostgreSQL server for the tests[\s\S]*TEST_DATABASE_URL[\s\S]*Docker[\s\S]*initdb/);
  });
});

describe("a throwaway local cluster (the fallback without TEST_DATABASE_URL or Docker)", () => {
  it("starts from the installed PostgreSQL binaries on a loopback port, answers queries, and is removed on stop", async () => {
    const binDir = findPostgresBinDir();
    if (!binDir) throw new Error("no PostgreSQL server binaries installed (Debian: postgresql): this machine cannot run the fallback");
    const cluster = await startLocalCluster(binDir);
    try {
      expect(cluster.url).toMatch(/^postgres:\/\/[^@]+@127\.0\.0\.1:\d+\//);
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      try {
        const { rows } = await client.query("select current_setting('server_version_num')::int as v");
        expect(rows[0].v).toBeGreaterThanOrEqual(140000);
      } finally {
        await client.end();
      }
    } finally {
      cluster.stop();
    }
    expect(existsSync(cluster.dir)).toBe(false);
  }, 60_000);
});
