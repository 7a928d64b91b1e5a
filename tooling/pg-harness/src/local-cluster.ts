// A throwaway PostgreSQL cluster from the installed server binaries: initdb in a temp folder, pg_ctl on a free
// loopback port, removed at the end. initdb refuses to run as root, so as root it runs as the `postgres` user.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarnessError } from "./harness.errors.js";

export interface LocalCluster {
  readonly url: string;
  readonly binDir: string;
  readonly version: string;
  readonly dir: string;
  /** Stops the server (fast shutdown: sessions are ended, as in a restart), keeping its data and port. */
  pause(): void;
  /** Starts a paused server again on the same port. */
  resume(): void;
  stop(): void;
}

/** The newest installed server binaries: PG_BIN_DIR, else /usr/lib/postgresql/<n>/bin, else `pg_config --bindir`. */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const has = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"));
  if (env.PG_BIN_DIR) return has(env.PG_BIN_DIR) ? env.PG_BIN_DIR : null;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(root, v, "bin"))) return join(root, v, "bin");
  }
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  const dir = pgConfig.status === 0 ? pgConfig.stdout.trim() : "";
  return dir && has(dir) ? dir : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function run(command: string[], what: string, timeoutMs = 120_000): string {
  const [file, ...args] = command as [string, ...string[]];
  const result = spawnSync(file, args, { encoding: "utf8", timeout: timeoutMs });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new HarnessError(`${what} failed (${result.error?.message ?? `exit ${String(result.status)}`}): ${command.join(" ")}\n${output}`);
  }
  return result.stdout;
}

/** As root: run as `postgres` through runuser (or su). Otherwise as ourselves. */
function runAsPrefix(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (id.status !== 0) {
    throw new HarnessError(
      "running as root, and initdb refuses root: create a `postgres` user (Debian's postgresql package does) or run the tests as another user",
    );
  }
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find((p) => existsSync(p));
  if (!runuser)
    throw new HarnessError("running as root, and initdb refuses root: `runuser` (util-linux) is needed to run it as `postgres`");
  return { prefix: [runuser, "-u", "postgres", "--"], uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startLocalCluster(binDir: string): Promise<LocalCluster> {
  const { prefix, uid, gid } = runAsPrefix();
  const dir = mkdtempSync(join(tmpdir(), "mfa-pg-"));
  if (uid !== undefined && gid !== undefined) chownSync(dir, uid, gid);
  const data = join(dir, "data");
  const bin = (name: string) => join(binDir, name);
  const version = run([bin("pg_ctl"), "--version"], "pg_ctl --version").trim();
  let started = false;
  const stop = () => {
    if (started) {
      const command = [...prefix, bin("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"];
      spawnSync(command[0] as string, command.slice(1), { timeout: 60_000 });
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run([...prefix, bin("initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], "initdb");
    for (let tries = 1; ; tries++) {
      const port = await freePort();
      const options = [
        "-c listen_addresses=127.0.0.1",
        `-p ${port}`,
        `-k ${dir}`,
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=200",
      ].join(" ");
      const start = () =>
        run(
          [...prefix, bin("pg_ctl"), "-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", "-o", options, "start"],
          "pg_ctl start",
        );
      try {
        start();
        started = true;
        const pause = () => {
          run([...prefix, bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"], "pg_ctl stop");
          started = false;
        };
        const resume = () => {
          start();
          started = true;
        };
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, binDir, version, dir, pause, resume, stop };
      } catch (error) {
        // Another process may have taken the port between our probe and the server's bind: try another.
        if (tries >= 3) {
          const log = existsSync(join(dir, "server.log"))
            ? readFileSync(join(dir, "server.log"), "utf8").split("\n").slice(-10).join("\n")
            : "";
          throw new HarnessError(`${(error as Error).message}\nserver log:\n${log}`);
        }
      }
    }
  } catch (error) {
    stop();
    throw error;
  }
}
