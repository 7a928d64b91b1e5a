// Finds a real PostgreSQL for the tests, in this order, and says which one it used:
//   1. TEST_DATABASE_URL;  2. testcontainers, when a Docker engine answers;  3. a throwaway local cluster;
//   4. otherwise it fails, saying how to provide one. It never skips silently.
import { HarnessError, HOW_TO_PROVIDE } from "./harness.errors.js";
import { probeDocker } from "./docker-probe.js";
import { findPostgresBinDir, startLocalCluster } from "./local-cluster.js";
import { defaultLog, type HarnessLog } from "./log.js";

export interface PostgresServer {
  readonly kind: "env" | "testcontainers" | "local-cluster";
  /** A superuser (or CREATEDB) connection string to a maintenance database. */
  readonly adminUrl: string;
  /** What it is, without credentials: for the test output. */
  readonly description: string;
  stop(): Promise<void>;
}

const redact = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
};

export async function resolvePostgresServer(options: { env?: NodeJS.ProcessEnv; log?: HarnessLog } = {}): Promise<PostgresServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLog;
  const tried: string[] = [];

  const fromEnv = env.TEST_DATABASE_URL?.trim();
  if (fromEnv) {
    const server: PostgresServer = {
      kind: "env",
      adminUrl: fromEnv,
      description: `TEST_DATABASE_URL (${redact(fromEnv)})`,
      stop: async () => {},
    };
    log(`using PostgreSQL from ${server.description}`);
    return server;
  }
  tried.push("TEST_DATABASE_URL is not set");

  const docker = await probeDocker(env);
  if (docker.available) {
    log(`${docker.detail}: starting postgres:15-alpine with testcontainers`);
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:15-alpine")
      .withDatabase("postgres")
      .withUsername("postgres")
      .withPassword("postgres")
      .start();
    const adminUrl = container.getConnectionUri();
    const server: PostgresServer = {
      kind: "testcontainers",
      adminUrl,
      description: `testcontainers postgres:15-alpine (${redact(adminUrl)})`,
      stop: async () => {
        await container.stop();
      },
    };
    log(`using PostgreSQL from ${server.description}`);
    return server;
  }
  tried.push(`testcontainers: ${docker.detail}`);

  const binDir = findPostgresBinDir(env);
  if (binDir) {
    const cluster = await startLocalCluster(binDir);
    const server: PostgresServer = {
      kind: "local-cluster",
      adminUrl: cluster.url,
      description: `a throwaway local cluster (${cluster.version}, ${cluster.url}, data in ${cluster.dir})`,
      stop: async () => cluster.stop(),
    };
    // If the run dies before teardown, do not leave a server behind.
    process.once("exit", () => cluster.stop());
    log(`using PostgreSQL from ${server.description} — ${tried.join("; ")}`);
    return server;
  }
  tried.push("local cluster: no PostgreSQL server binaries (initdb, pg_ctl) found");

  throw new HarnessError(`no PostgreSQL server for the tests (${tried.join("; ")}).\n${HOW_TO_PROVIDE}`);
}
