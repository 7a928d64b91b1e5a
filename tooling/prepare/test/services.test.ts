// Probing the machine's PostgreSQL and Redis, and the throwaway Redis started when none answers.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { onPath, realMachine } from "../lib/peers.mjs";
import { freePort, postgresLetsIn, redisAnswers, startThrowawayRedis } from "../lib/services.mjs";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server that answers whatever `onData` writes back. */
async function fakeServer(onData: (socket: Socket, data: Buffer) => void): Promise<number> {
  const server = createServer((socket) => {
    socket.on("data", (data) => onData(socket, data));
    socket.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("no address");
  return address.port;
}

/** One backend message: a type byte, an Int32 length (itself included), the payload. */
function message(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe("is the machine's PostgreSQL usable without a password?", () => {
  const probe = (port: number) => postgresLetsIn({ host: "127.0.0.1", port, user: "postgres", database: "postgres", timeoutMs: 1000 });

  it("yes when the server answers AuthenticationOk, then ReadyForQuery (split across packets)", async () => {
    let startup = Buffer.alloc(0);
    const port = await fakeServer((socket, data) => {
      startup = Buffer.concat([startup, data]);
      const reply = Buffer.concat([
        message("R", int32(0)),
        message("S", Buffer.from("server_version\x0015.0\x00")),
        message("Z", Buffer.from("I")),
      ]);
      socket.write(reply.subarray(0, 7));
      setTimeout(() => socket.write(reply.subarray(7)), 20);
    });
    expect(await probe(port)).toBe(true);
    // A protocol 3.0 StartupMessage naming the user and the database.
    expect(startup.readInt32BE(0)).toBe(startup.length);
    expect(startup.readInt32BE(4)).toBe(196608);
    expect(startup.subarray(8).toString()).toBe("user\0postgres\0database\0postgres\0\0");
  });

  it("no when it asks for a password, refuses with an error, stays silent or nothing listens", async () => {
    expect(await probe(await fakeServer((s) => s.write(message("R", int32(5)))))).toBe(false); // MD5 password
    expect(await probe(await fakeServer((s) => s.write(message("R", int32(10)))))).toBe(false); // SASL
    expect(await probe(await fakeServer((s) => s.write(message("E", Buffer.from("SFATAL\0Mno such role\0\0")))))).toBe(false);
    const started = Date.now();
    expect(await probe(await fakeServer(() => {}))).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await probe(await freePort())).toBe(false);
  });
});

describe("does a Redis answer?", () => {
  it("yes to +PONG, no to an error (a password is needed), to silence and to a closed port", async () => {
    const pong = await fakeServer((s, d) => d.toString().startsWith("PING") && s.write("+PONG\r\n"));
    expect(await redisAnswers(`redis://127.0.0.1:${pong}`)).toBe(true);
    const auth = await fakeServer((s) => s.write("-NOAUTH Authentication required.\r\n"));
    expect(await redisAnswers(`redis://127.0.0.1:${auth}`)).toBe(false);
    expect(await redisAnswers(`redis://127.0.0.1:${await fakeServer(() => {})}`, 300)).toBe(false);
    expect(await redisAnswers(`redis://127.0.0.1:${await freePort()}`)).toBe(false);
  });
});

describe("a throwaway Redis", () => {
  it("answers on a loopback port for the run, then is gone with its folder", async () => {
    const binary = onPath(realMachine, "redis-server");
    if (!binary) throw new Error("redis-server is required for this test: install the Debian package redis-server (the test command does)");
    const redis = await startThrowawayRedis(binary);
    try {
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(await redisAnswers(redis.url)).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await redisAnswers(redis.url, 500)).toBe(false);
    await redis.stop(); // twice is harmless
  });

  it("says why when the binary cannot start", async () => {
    await expect(startThrowawayRedis("/nonexistent/redis-server")).rejects.toThrow(/redis-server did not start[\s\S]*ENOENT/);
  });
});
