// API processes of their own (`src/main.ts` under tsx), for properties about state shared between processes (S2, S6).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ApiProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote, for assertions on logs (S10). */
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts `src/main.ts` and resolves with its URL once it logged `until`: "ready" (default: the database was reached and
 * migrated, /v1 serves) or "listening" (it answers /healthz and /readyz, the database perhaps not yet).
 */
export async function spawnApi(
  env: Record<string, string>,
  timeoutMs = 30_000,
  until: "ready" | "listening" = "ready",
): Promise<ApiProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@mfa-chain/source", "src/main.ts"], {
    cwd: appDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      MFA_DEMO: "false",
      // Required with DATABASE_URL; processes that must match each other's backup codes are given one key.
      MFA_CODE_HASH_KEY: randomBytes(32).toString("base64"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`API process did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const awaited = until === "ready" ? "mfa-chain API ready" : "mfa-chain API listening";
    const look = () => {
      for (const line of output.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === awaited && entry.url) {
            clearTimeout(timer);
            return ok(entry.url);
          }
        } catch {
          // a partial line: wait for more
        }
      }
    };
    child.stdout?.on("data", look);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`API process exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

const run = promisify(execFile);

/** Runs one of the API's scripts (`src/cli.ts`, `src/main.ts`) under tsx to its end, with only the given environment. */
export async function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "--conditions=@mfa-chain/source", script, ...args], {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
