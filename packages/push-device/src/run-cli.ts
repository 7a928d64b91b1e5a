// The push-device command line: enroll <link>, poll, approve <challengeId> <number>, deny <challengeId> [--not-me].
// Prints results, never the key; exit code 0 on success, 1 when refused or failed, 2 on a usage error.
import { hostname, homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isPushAlgorithm, isPushDisplayText } from "@mfa-chain/domain";
import { PushDevice, type PushDeviceOptions } from "./push-device.js";
import { PushDeviceError } from "./push-device.errors.js";

export const USAGE = `usage: push-device [--key-file <path>] [--timeout <ms>] <command>

  enroll <link> [--name <device name>] [--algorithm ES256|Ed25519] [--push-token <token>]
                              enroll with an mfachain-push://enroll?… link (one-time)
  poll                        list the pending challenges and the numbers they offer
  approve <challengeId> <number>
                              approve with the number the sign-in page shows
  deny <challengeId> [--not-me]
                              deny; --not-me reports the sign-in as fraud

The key file (mode 0600) is --key-file, else $PUSH_DEVICE_KEY_FILE, else ~/.mfa-chain/push-device.json.
`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths start: the caller's folder (pnpm sets INIT_CWD to it). */
  readonly cwd: string;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

class UsageError extends Error {}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`push-device: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof PushDeviceError) {
      io.stderr(`push-device: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        "key-file": { type: "string" },
        timeout: { type: "string" },
        name: { type: "string" },
        algorithm: { type: "string" },
        "push-token": { type: "string" },
        "not-me": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (cause) {
    throw new UsageError(cause instanceof Error ? cause.message : String(cause));
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help === true || command === undefined) {
    io.stdout(USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }

  const keyFileArg = values["key-file"] ?? io.env.PUSH_DEVICE_KEY_FILE ?? join(homedir(), ".mfa-chain", "push-device.json");
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0))
    throw new UsageError("--timeout is a positive number of milliseconds");
  const options: PushDeviceOptions = {
    keyFile: isAbsolute(keyFileArg) ? keyFileArg : resolve(io.cwd, keyFileArg),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(io.now === undefined ? {} : { now: io.now }),
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
  };
  const device = new PushDevice(options);
  const only = (count: number) => {
    if (args.length !== count) throw new UsageError(`${command} takes ${count} argument${count === 1 ? "" : "s"}, got ${args.length}`);
  };
  const noOptions = (...names: (keyof typeof values)[]) => {
    for (const name of names) if (values[name] !== undefined) throw new UsageError(`--${name} is not an option of ${command}`);
  };

  switch (command) {
    case "enroll": {
      only(1);
      noOptions("not-me");
      const algorithm = values.algorithm ?? "ES256";
      if (!isPushAlgorithm(algorithm)) throw new UsageError("--algorithm is ES256 or Ed25519");
      const deviceName = values.name ?? defaultDeviceName();
      const enrollment = await device.enroll(args[0] ?? "", {
        deviceName,
        algorithm,
        ...(values["push-token"] === undefined ? {} : { pushToken: values["push-token"] }),
      });
      io.stdout(
        `enrolled "${enrollment.deviceName}" (${algorithm}) as device ${enrollment.deviceId} of user ${enrollment.userId}` +
          ` at ${enrollment.apiBaseUrl}; key kept in ${options.keyFile}\n`,
      );
      return 0;
    }
    case "poll": {
      only(0);
      noOptions("name", "algorithm", "push-token", "not-me");
      const challenges = await device.poll();
      if (challenges.length === 0) io.stdout("no pending challenge\n");
      const now = (io.now ?? Date.now)();
      for (const c of challenges) {
        const left = Math.max(0, Math.round((c.expiresAt - now) / 1000));
        io.stdout(
          `${c.challengeId}  choices: ${c.choices.join(" ")}  expires in ${left} s  attempt ${c.attemptId}` +
            `${c.context === undefined ? "" : `  (${c.context})`}\n`,
        );
      }
      return 0;
    }
    case "approve": {
      only(2);
      noOptions("name", "algorithm", "push-token", "not-me");
      const text = args[1] ?? "";
      if (!/^[1-9][0-9]$/.test(text)) throw new UsageError("the number is the two digits shown on the sign-in page");
      io.stdout(`${await device.approve(args[0] ?? "", Number(text))}\n`);
      return 0;
    }
    case "deny": {
      only(1);
      noOptions("name", "algorithm", "push-token");
      io.stdout(`${await device.deny(args[0] ?? "", { notMe: values["not-me"] === true })}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** "push-device on <host>", cut to a valid device name. */
function defaultDeviceName(): string {
  const name = `push-device on ${hostname()}`
    .replace(/[^\x20-\x7e]/g, "")
    .slice(0, 64)
    .trim();
  return isPushDisplayText(name) ? name : "push-device";
}
