// The real tooling/prepare/prepare.mjs in a child process: every step runs even after a failure, the exit status
// says a step failed, the steps get the services' settings, a throwaway Redis lives exactly as long as the run, and
// a machine without the peers (and no right to install them) is told at once what to install.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { redisAnswers } from "../lib/services.mjs";

const PREPARE = join(dirname(fileURLToPath(import.meta.url)), "..", "prepare.mjs");
const work = mkdtempSync(join(tmpdir(), "mfa-prepare-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs prepare.mjs with these steps; the services and install settings of the surrounding run are left out. */
function prepare(steps: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["TEST_DATABASE_URL", "REDIS_URL_TEST", "MFA_TEST_SERVICES", "MFA_TEST_INSTALL", "TURBO_TELEMETRY_DISABLED"])
    delete base[name];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PREPARE, ...steps], { env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

/** A step that writes what it saw into a file: its environment, and whether REDIS_URL_TEST answered PING. */
function probeStep(file: string): string {
  const script = join(work, `${basename(file)}.cjs`);
  writeFileSync(
    script,
    `const net = require("node:net");
const fs = require("node:fs");
const report = (extra) => fs.writeFileSync(${JSON.stringify(file)}, JSON.stringify({ redis: process.env.REDIS_URL_TEST ?? null, db: process.env.TEST_DATABASE_URL ?? null, telemetry: process.env.TURBO_TELEMETRY_DISABLED ?? null, ...extra }));
const u = new URL(process.env.REDIS_URL_TEST);
const s = net.createConnection({ host: u.hostname, port: Number(u.port) }, () => s.write("PING\\r\\n"));
s.on("data", (d) => { report({ pong: String(d).startsWith("+PONG") }); s.end(); });
s.on("error", (e) => report({ pong: false, error: String(e) }));
`,
  );
  return `'${process.execPath}' '${script}'`;
}

describe("prepare.mjs", () => {
  it("runs every step though one fails, exits non-zero naming it, and gives the steps a throwaway Redis only while they run", async () => {
    const seen = join(work, "seen.json");
    const last = join(work, "last");
    const run = await prepare([probeStep(seen), "exit 3", `echo ran > '${last}'`], {
      MFA_TEST_SERVICES: "throwaway",
      MFA_TEST_INSTALL: "no",
    });

    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(existsSync(last)).toBe(true); // the step after the failing one ran
    expect(run.stderr).toMatch(/FAILED {2}exit 3 {2}\(exit 3, /);
    expect(run.stderr).toMatch(/1 of 3 steps failed/);
    expect(run.stdout).toMatch(/step 3 of 3: echo ran/);

    const saw = JSON.parse(readFileSync(seen, "utf8"));
    expect(saw).toMatchObject({ pong: true, db: null, telemetry: "1" });
    expect(saw.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(saw.redis).not.toBe("redis://127.0.0.1:6379");
    expect(run.stdout).toContain(`Redis: MFA_TEST_SERVICES=throwaway; a throwaway server on ${saw.redis as string} for this run`);
    expect(run.stdout).toContain("PostgreSQL: MFA_TEST_SERVICES=throwaway; the tests start throwaway clusters");
    expect(await redisAnswers(saw.redis, 500)).toBe(false); // stopped at the end
  });

  it("exits 0 when every step passes, and keeps the services it is given", async () => {
    const seen = join(work, "given.json");
    const redis = await startedRedisUrl();
    const run = await prepare([probeStep(seen), "true"], {
      MFA_TEST_INSTALL: "no",
      REDIS_URL_TEST: redis.url,
      TEST_DATABASE_URL: "postgres://u:secret@db.invalid:5432/postgres",
    });
    try {
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/all 2 steps passed/);
      expect(run.stdout).toContain("PostgreSQL: TEST_DATABASE_URL (postgres://u:***@db.invalid:5432/postgres)");
      expect(run.stdout + run.stderr).not.toContain("secret");
      expect(JSON.parse(readFileSync(seen, "utf8"))).toMatchObject({
        redis: redis.url,
        pong: true,
        db: "postgres://u:secret@db.invalid:5432/postgres",
      });
    } finally {
      await redis.stop();
    }
  });

  it("stops at once, before any step, naming the missing packages and the command, when it may not install them", async () => {
    const marker = join(work, "never");
    // A PATH with apt-get (that would fail if it were called) and nothing else: the programs on PATH are all missing.
    const bin = join(work, "bin-with-apt-get-only");
    mkdirSync(bin);
    symlinkSync("/bin/false", join(bin, "apt-get"));
    const run = await prepare([`touch '${marker}'`], { PATH: bin, MFA_TEST_INSTALL: "no" });
    expect(run.status).toBe(1);
    expect(existsSync(marker)).toBe(false);
    expect(run.stderr).toContain("the tests need what this machine lacks: oathtool (oathtool), zbar-tools (zbarimg)");
    expect(run.stderr).toMatch(/redis-server \(redis-server\)/);
    expect(run.stderr).toMatch(/apt-get install -y --no-install-recommends oathtool zbar-tools .*redis-server/);
  });

  it("refuses an unknown MFA_TEST_SERVICES and a call without steps", async () => {
    const unknown = await prepare(["true"], { MFA_TEST_SERVICES: "docker" });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('MFA_TEST_SERVICES: expected "throwaway" (or unset), got "docker"');
    const none = await prepare([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/usage: node tooling\/prepare\/prepare\.mjs/);
  });
});

/** A throwaway Redis of the test's own, standing for one the caller provides. */
async function startedRedisUrl(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { onPath, realMachine } = await import("../lib/peers.mjs");
  const { startThrowawayRedis } = await import("../lib/services.mjs");
  const binary = onPath(realMachine, "redis-server");
  if (!binary) throw new Error("redis-server is required for this test: install the Debian package redis-server (the test command does)");
  return startThrowawayRedis(binary);
}
