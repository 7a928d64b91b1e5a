#!/usr/bin/env node
// The test command's first step (root package.json `test`): makes the machine ready for the tests, then runs them.
//
//   node tooling/prepare/prepare.mjs "<step>" ["<step>" …]
//
// 1. Peers: the Debian packages the tests run beside our code (lib/peers.mjs: oathtool, zbar-tools, chromium, the
//    PostgreSQL server and client, redis-server). Missing ones are installed with apt-get when this user may (root,
//    or passwordless sudo), saying what; otherwise it stops at once naming the packages and the command.
// 2. PostgreSQL: TEST_DATABASE_URL when set; else the machine's server on 127.0.0.1:5432 when user postgres gets in
//    without a password; else nothing here: each test package's harness starts a throwaway cluster
//    (tooling/pg-harness).
// 3. Redis: REDIS_URL_TEST when set; else the machine's on 127.0.0.1:6379 when it answers; else a throwaway
//    redis-server on a free loopback port, stopped at the end.
//    MFA_TEST_SERVICES=throwaway skips the machine's servers in 2 and 3 (what a fresh machine gets).
// 4. Runs every step in a shell with those settings, each one even when an earlier one failed, and exits non-zero
//    when any failed. Turbo's telemetry is off for them.
// Nothing is written into the repository.
import { spawnSync } from "node:child_process";
import { constants } from "node:os";
import { installPlan, missingPeers, onPath, postgresBinDir, realMachine } from "./lib/peers.mjs";
import { postgresLetsIn, redisAnswers, startThrowawayRedis } from "./lib/services.mjs";
import { duration, runStep, summarize } from "./lib/steps.mjs";

const MACHINE_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres";
const MACHINE_REDIS = "redis://127.0.0.1:6379";

/** @param {string} line */
const say = (line) => console.log(`prepare: ${line}`);
/** @param {string} line */
const complain = (line) => console.error(`prepare: ${line}`);

/** @param {string} url */
const redact = (url) => url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");

function passwordlessSudo() {
  if (!onPath(realMachine, "sudo")) return false;
  return spawnSync("sudo", ["-n", "true"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

/**
 * @param {string[]} prefix  [] as root, ["sudo", "-n"] otherwise
 * @param {string[]} packages
 * @returns {boolean}
 */
function aptInstall(prefix, packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const commands = [
    ["apt-get", "update", "-qq"],
    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...packages],
  ];
  for (const command of commands) {
    const argv = [...prefix, ...command];
    const result = spawnSync(argv[0] ?? "apt-get", argv.slice(1), { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error || result.status !== 0) {
      const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-20).join("\n");
      complain(`${argv.join(" ")} failed (${result.error?.message ?? `exit ${String(result.status)}`}):\n${output}`);
      return false;
    }
  }
  return true;
}

/** @returns {Promise<boolean>} whether the peers are there (now) */
async function ensurePeers() {
  const missing = missingPeers(realMachine);
  const plan = installPlan(missing, {
    uid: process.getuid?.(),
    aptGet: onPath(realMachine, "apt-get") !== null,
    sudo: missing.length > 0 && process.getuid?.() !== 0 && passwordlessSudo(),
    optOut: process.env.MFA_TEST_INSTALL === "no",
  });
  if (plan.kind === "nothing") return true;
  if (plan.kind === "stop") {
    complain(plan.message);
    return false;
  }
  const started = Date.now();
  say(
    `installing ${plan.packages.join(" ")} with ${[...plan.prefix, "apt-get"].join(" ")}: the tests run ${missing.map((p) => p.provides).join(", ")} (this can take a few minutes)`,
  );
  if (!aptInstall(plan.prefix, plan.packages)) return false;
  const still = missingPeers(realMachine);
  if (still.length > 0) {
    complain(`installed, but still missing: ${still.map((p) => `${p.provides} (${p.debianPackage})`).join(", ")}`);
    return false;
  }
  say(`installed ${plan.packages.join(" ")} (${duration(Math.round((Date.now() - started) / 1000))})`);
  return true;
}

/**
 * @param {string[]} steps
 * @returns {Promise<number>} the exit status
 */
async function main(steps) {
  if (steps.length === 0) {
    complain('usage: node tooling/prepare/prepare.mjs "<step>" ["<step>" …]');
    return 2;
  }
  const services = process.env.MFA_TEST_SERVICES ?? "";
  if (services !== "" && services !== "throwaway") {
    complain(`MFA_TEST_SERVICES: expected "throwaway" (or unset), got ${JSON.stringify(services)}`);
    return 2;
  }
  const throwaway = services === "throwaway";
  if (!(await ensurePeers())) return 1;

  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };

  if (env.TEST_DATABASE_URL?.trim()) {
    say(`PostgreSQL: TEST_DATABASE_URL (${redact(env.TEST_DATABASE_URL.trim())})`);
  } else if (!throwaway && (await postgresLetsIn({ host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" }))) {
    env.TEST_DATABASE_URL = MACHINE_POSTGRES;
    say(
      `PostgreSQL: this machine's server, ${MACHINE_POSTGRES} (no password asked; MFA_TEST_SERVICES=throwaway to use throwaway clusters instead)`,
    );
  } else {
    delete env.TEST_DATABASE_URL;
    const why = throwaway ? "MFA_TEST_SERVICES=throwaway" : "nothing lets user postgres in without a password on 127.0.0.1:5432";
    say(`PostgreSQL: ${why}; the tests start throwaway clusters from ${postgresBinDir(realMachine) ?? "the server binaries"}`);
  }

  /** @type {import("./lib/services.mjs").ThrowawayRedis | null} */
  let redis = null;
  if (env.REDIS_URL_TEST?.trim()) {
    say(`Redis: REDIS_URL_TEST (${redact(env.REDIS_URL_TEST.trim())})`);
  } else if (!throwaway && (await redisAnswers(MACHINE_REDIS))) {
    env.REDIS_URL_TEST = MACHINE_REDIS;
    say(`Redis: this machine's server, ${MACHINE_REDIS}`);
  } else {
    const binary = onPath(realMachine, "redis-server");
    if (!binary) {
      complain("redis-server is missing (Debian package redis-server)");
      return 1;
    }
    try {
      redis = await startThrowawayRedis(binary);
    } catch (error) {
      complain(`could not start a throwaway Redis: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    env.REDIS_URL_TEST = redis.url;
    const why = throwaway ? "MFA_TEST_SERVICES=throwaway" : `nothing answers on ${MACHINE_REDIS}`;
    say(`Redis: ${why}; a throwaway server on ${redis.url} for this run`);
  }

  /** @type {import("node:child_process").ChildProcess | null} */
  let running = null;
  /** @type {NodeJS.Signals | null} */
  let interrupted = null;
  for (const signal of /** @type {NodeJS.Signals[]} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
    process.on(signal, () => {
      interrupted ??= signal;
      running?.kill(signal);
    });
  }

  /** @type {import("./lib/steps.mjs").StepResult[]} */
  const results = [];
  try {
    for (const [i, command] of steps.entries()) {
      if (interrupted) break;
      say(`step ${i + 1} of ${steps.length}: ${command}`);
      results.push(await runStep(command, env, (child) => (running = child)));
    }
  } finally {
    await redis?.stop();
  }
  const { lines, status } = summarize(results, steps.length);
  for (const line of lines) (status === 0 ? say : complain)(line);
  return interrupted ? 128 + (constants.signals[interrupted] ?? 1) : status;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    complain(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
