// The servers the tests talk to: is one already answering on this machine, and a throwaway Redis when none is.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Opens a TCP connection, writes `hello`, and hands every chunk received to `read` until it returns a boolean (the
 * answer) or the time is up, the connection fails or closes (false).
 * @param {{ host: string, port: number, hello: Buffer, read: (received: Buffer) => boolean | undefined, timeoutMs: number }} o
 * @returns {Promise<boolean>}
 */
function converse({ host, port, hello, read, timeoutMs }) {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = createConnection({ host, port });
    const finish = (/** @type {boolean} */ answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("connect", () => socket.write(hello));
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = read(received);
      if (answer !== undefined) finish(answer);
    });
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}

/**
 * Does a PostgreSQL server at host:port let `user` into `database` without a password? Speaks the start of the
 * frontend/backend protocol (v3): a StartupMessage, then reads messages until ReadyForQuery (yes), or an
 * authentication request other than AuthenticationOk, or an error (no).
 * @param {{ host: string, port: number, user: string, database: string, timeoutMs?: number }} o
 * @returns {Promise<boolean>}
 */
export function postgresLetsIn({ host, port, user, database, timeoutMs = 2000 }) {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from(`user\0${user}\0database\0${database}\0\0`)]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  const hello = Buffer.concat([length, body]);
  const read = (/** @type {Buffer} */ received) => {
    let at = 0;
    while (received.length >= at + 5) {
      const type = String.fromCharCode(received[at] ?? 0);
      const size = received.readInt32BE(at + 1);
      if (received.length < at + 1 + size) return undefined;
      if (type === "E") return false;
      if (type === "R" && received.readInt32BE(at + 5) !== 0) return false; // a password or another method is asked for
      if (type === "Z") return true;
      at += 1 + size;
    }
    return undefined;
  };
  return converse({ host, port, hello, read, timeoutMs });
}

/**
 * Does a Redis server answer PING at this URL without credentials?
 * @param {string} url  redis://host:port
 * @param {number} [timeoutMs]
 * @returns {Promise<boolean>}
 */
export function redisAnswers(url, timeoutMs = 1500) {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  const read = (/** @type {Buffer} */ received) => {
    const text = received.toString("latin1");
    return text.includes("\r\n") ? text.startsWith("+PONG") : undefined;
  };
  return converse({ host, port: Number(port || 6379), hello: Buffer.from("PING\r\n"), read, timeoutMs });
}

/** @returns {Promise<number>} a port that was free on 127.0.0.1 a moment ago */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}

/**
 * @typedef {object} ThrowawayRedis
 * @property {string} url
 * @property {() => Promise<void>} stop  ends the server and removes its folder
 */

/**
 * A Redis server of our own on a free loopback port, keeping nothing on disk, for the length of the run.
 * @param {string} binary  the path of redis-server
 * @returns {Promise<ThrowawayRedis>}
 */
export async function startThrowawayRedis(binary) {
  const dir = mkdtempSync(join(tmpdir(), "mfa-redis-"));
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    const child = spawn(
      binary,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += String(d)));
    child.stderr.on("data", (d) => (output += String(d)));
    child.once("error", (error) => (output += String(error)));
    /** @type {Promise<void>} */
    const exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve()); // could not be started: no "exit" follows
    });
    let running = true;
    void exited.then(() => (running = false));
    const url = `redis://127.0.0.1:${port}`;
    const stop = async () => {
      if (running) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    for (let i = 0; i < 50 && running; i++) {
      if (await redisAnswers(url, 500)) return { url, stop };
      await new Promise((r) => setTimeout(r, 100));
    }
    if (running) child.kill("SIGKILL");
    await exited;
    if (tries >= 3) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on 127.0.0.1:${port}: ${output.trim().split("\n").slice(-5).join("\n")}`);
    }
  }
}
