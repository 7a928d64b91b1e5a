// Runs the test steps one after the other, every one of them even when an earlier one failed, and sums them up.
import { spawn } from "node:child_process";

/**
 * @typedef {object} StepResult
 * @property {string} command
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {number} seconds
 */

/**
 * @param {string} command  a shell command line
 * @param {NodeJS.ProcessEnv} env
 * @param {(child: import("node:child_process").ChildProcess | null) => void} track  told the running child, for signals
 * @returns {Promise<StepResult>}
 */
export function runStep(command, env, track) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: "inherit", env });
    track(child);
    const done = (/** @type {number | null} */ code, /** @type {NodeJS.Signals | null} */ signal) => {
      track(null);
      resolve({ command, code, signal, seconds: Math.round((Date.now() - started) / 1000) });
    };
    child.once("error", () => done(127, null));
    child.once("exit", done);
  });
}

/** @param {number} seconds */
export function duration(seconds) {
  const m = Math.floor(seconds / 60);
  return m === 0 ? `${seconds} s` : `${m} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/**
 * The last lines of a run, and its exit status: 0 only when every step ran and passed.
 * @param {StepResult[]} results
 * @param {number} planned  how many steps there were (fewer ran when the run was interrupted)
 * @returns {{ lines: string[], status: number }}
 */
export function summarize(results, planned) {
  const total = duration(results.reduce((sum, r) => sum + r.seconds, 0));
  const failed = results.filter((r) => r.code !== 0);
  const lines = results.map(
    (r) =>
      `${r.code === 0 ? "passed" : "FAILED"}  ${r.command}  (${r.code === null ? `killed by ${r.signal}` : `exit ${r.code}`}, ${duration(r.seconds)})`,
  );
  if (results.length < planned) {
    lines.push(`interrupted after ${results.length} of ${planned} steps (${total})`);
    return { lines, status: 1 };
  }
  if (failed.length === 0) {
    lines.push(`all ${planned} steps passed (${total})`);
    return { lines, status: 0 };
  }
  lines.push(`${failed.length} of ${planned} steps failed (${total}); every step ran, see the failures above`);
  return { lines, status: 1 };
}
