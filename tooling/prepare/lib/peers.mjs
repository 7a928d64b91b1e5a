// The programs the tests run beside our code, the Debian packages that provide them, and how they get installed.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * What can be asked of the machine; the tests give fakes.
 * @typedef {object} Machine
 * @property {NodeJS.ProcessEnv} env
 * @property {(path: string) => boolean} isExecutable
 * @property {(dir: string) => string[]} listDir  the names in a folder, [] when it does not exist
 * @property {(file: string, args: string[]) => { status: number | null, stdout: string }} run
 */

/** @type {Machine} */
export const realMachine = {
  env: process.env,
  isExecutable(path) {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  listDir(dir) {
    return existsSync(dir) ? readdirSync(dir) : [];
  },
  run(file, args) {
    const result = spawnSync(file, args, { encoding: "utf8", timeout: 10_000 });
    return { status: result.error ? null : result.status, stdout: result.stdout ?? "" };
  },
};

/**
 * A program on PATH, or null.
 * @param {Machine} machine
 * @param {string} name
 * @returns {string | null}
 */
export function onPath(machine, name) {
  for (const dir of (machine.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && machine.isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * The PostgreSQL server binaries the tests' throwaway clusters use, found as tooling/pg-harness finds them:
 * PG_BIN_DIR, else the newest /usr/lib/postgresql/<n>/bin, else `pg_config --bindir`.
 * @param {Machine} machine
 * @returns {string | null}
 */
export function postgresBinDir(machine) {
  const has = (/** @type {string} */ dir) => machine.isExecutable(join(dir, "initdb")) && machine.isExecutable(join(dir, "pg_ctl"));
  if (machine.env.PG_BIN_DIR) return has(machine.env.PG_BIN_DIR) ? machine.env.PG_BIN_DIR : null;
  const versions = machine
    .listDir("/usr/lib/postgresql")
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (has(join("/usr/lib/postgresql", v, "bin"))) return join("/usr/lib/postgresql", v, "bin");
  if (!onPath(machine, "pg_config")) return null;
  const pgConfig = machine.run("pg_config", ["--bindir"]);
  const dir = pgConfig.status === 0 ? pgConfig.stdout.trim() : "";
  return dir !== "" && has(dir) ? dir : null;
}

/**
 * pg_dump, which two tests use to read a whole database back (as tooling/pg-harness finds it).
 * @param {Machine} machine
 * @returns {string | null}
 */
export function pgDump(machine) {
  if (machine.env.PG_DUMP) return machine.isExecutable(machine.env.PG_DUMP) ? machine.env.PG_DUMP : null;
  for (const v of machine.listDir("/usr/lib/postgresql")) {
    const path = join("/usr/lib/postgresql", v, "bin", "pg_dump");
    if (machine.isExecutable(path)) return path;
  }
  return machine.isExecutable("/usr/bin/pg_dump") ? "/usr/bin/pg_dump" : null;
}

/**
 * @typedef {object} Peer
 * @property {string} debianPackage
 * @property {string} provides  what the tests call
 * @property {(machine: Machine) => boolean} present
 */

/** @type {readonly Peer[]} What every run needs. */
export const PEERS = [
  { debianPackage: "oathtool", provides: "oathtool", present: (m) => onPath(m, "oathtool") !== null },
  { debianPackage: "zbar-tools", provides: "zbarimg", present: (m) => onPath(m, "zbarimg") !== null },
  // The browser test launches Debian's binary by this path (apps/api/test/demo.browser.test.ts).
  { debianPackage: "chromium", provides: "/usr/bin/chromium", present: (m) => m.isExecutable("/usr/bin/chromium") },
  { debianPackage: "postgresql", provides: "the PostgreSQL server binaries (initdb, pg_ctl)", present: (m) => postgresBinDir(m) !== null },
  { debianPackage: "postgresql-client", provides: "pg_dump", present: (m) => pgDump(m) !== null },
  // A throwaway Redis when none answers, and tooling/prepare's own test of that.
  { debianPackage: "redis-server", provides: "redis-server", present: (m) => onPath(m, "redis-server") !== null },
  // The SMTP tests make their own CA and server certificate with it (packages/delivery/test/tls-certificates.ts).
  { debianPackage: "openssl", provides: "openssl", present: (m) => onPath(m, "openssl") !== null },
];

/**
 * The peers that are missing. `postgresql` brings `postgresql-client` with it, so the client is not named twice.
 * @param {Machine} machine
 * @returns {Peer[]}
 */
export function missingPeers(machine) {
  const missing = PEERS.filter((peer) => !peer.present(machine));
  const server = missing.some((p) => p.debianPackage === "postgresql");
  return missing.filter((p) => !(server && p.debianPackage === "postgresql-client"));
}

/**
 * @typedef {{ kind: "nothing" }
 *   | { kind: "install", prefix: string[], packages: string[] }
 *   | { kind: "stop", message: string }} InstallPlan
 */

/**
 * Whether the missing peers can be installed here, and how: apt-get as root, or through passwordless sudo. Otherwise
 * (or with MFA_TEST_INSTALL=no) a message that names the packages and the command that installs them.
 * @param {Peer[]} missing
 * @param {{ uid: number | undefined, aptGet: boolean, sudo: boolean, optOut: boolean }} host
 * @returns {InstallPlan}
 */
export function installPlan(missing, host) {
  if (missing.length === 0) return { kind: "nothing" };
  const packages = missing.map((p) => p.debianPackage);
  const list = missing.map((p) => `${p.debianPackage} (${p.provides})`).join(", ");
  const command = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(" ")}`;
  if (host.aptGet && !host.optOut) {
    if (host.uid === 0) return { kind: "install", prefix: [], packages };
    if (host.sudo) return { kind: "install", prefix: ["sudo", "-n"], packages };
  }
  const why = host.optOut
    ? "MFA_TEST_INSTALL=no: nothing is installed"
    : !host.aptGet
      ? "there is no apt-get here; these are Debian's package names, install the same programs with this system's package manager"
      : "this user is not root and has no passwordless sudo, so the test command cannot install them itself";
  const how = host.aptGet ? `\n  As root:  ${command}\n  or:       sudo sh -c '${command}'` : "";
  return { kind: "stop", message: `the tests need what this machine lacks: ${list}.\n  ${why}.${how}\n  Then run the test command again.` };
}
