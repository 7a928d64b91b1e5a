// Every API process caches resolved API keys; a revoked key must be refused by all of them at once. The revoking
// transaction sends NOTIFY on API_KEY_REVOKED_CHANNEL (PostgresApiKeyRepository.revoke); each process listens on a
// connection of its own. While that connection is down, notifications can be missed, so the watcher reports `live`
// false and the cache must not trust what it holds (it clears itself and stops caching) until the connection is back.
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { API_KEY_REVOKED_CHANNEL } from "../repositories/tenant.repository.js";

export interface RevocationHandlers {
  /** A key with this hash was revoked (its transaction committed). */
  revoked(keyHash: string): void;
  /**
   * Whether revocations are being heard. False at first and after the listening connection is lost; true once
   * listening (again): anything cached before then may be stale.
   */
  live(isLive: boolean): void;
}

export interface RevocationWatch {
  close(): Promise<void>;
}

export interface PostgresWatchOptions {
  /** Bound on opening the listening connection (default 3000 ms). */
  readonly connectTimeoutMs?: number;
  /** Waits between reconnection tries: from the first to the last, doubling (default 250 ms to 5000 ms). */
  readonly retryMs?: { readonly first: number; readonly max: number };
  /** Called with each error of the listening connection (it reconnects by itself). */
  readonly onError?: (error: Error) => void;
}

/** Listens on a PostgreSQL server, reconnecting for as long as it is open. */
export function watchRevocationsOnPostgres(url: string, handlers: RevocationHandlers, options: PostgresWatchOptions = {}): RevocationWatch {
  const retry = options.retryMs ?? { first: 250, max: 5_000 };
  let closed = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let wait = retry.first;

  const lost = (error?: Error) => {
    if (error) options.onError?.(error);
    const dead = client;
    client = null;
    handlers.live(false);
    dead?.removeAllListeners();
    dead?.on("error", () => undefined);
    void dead?.end().catch(() => undefined);
    if (!closed && !timer) {
      timer = setTimeout(() => {
        timer = null;
        void connect();
      }, wait);
      timer.unref();
      wait = Math.min(wait * 2, retry.max);
    }
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({
      connectionString: url,
      application_name: "mfa-chain key revocations",
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
      keepAlive: true,
    });
    client = c;
    c.on("error", (error) => {
      if (client === c) lost(error);
    });
    c.on("end", () => {
      if (client === c) lost();
    });
    c.on("notification", (message) => {
      if (message.channel === API_KEY_REVOKED_CHANNEL && message.payload) handlers.revoked(message.payload);
    });
    try {
      await c.connect();
      await c.query(`listen ${API_KEY_REVOKED_CHANNEL}`);
      if (closed || client !== c) return void c.end().catch(() => undefined);
      wait = retry.first;
      handlers.live(true);
    } catch (error) {
      if (client === c) lost(error instanceof Error ? error : new Error(String(error)));
    }
  };

  handlers.live(false);
  void connect();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      c?.removeAllListeners();
      c?.on("error", () => undefined);
      await c?.end().catch(() => undefined);
    },
  };
}

/** Listens on embedded PGlite (one process owns its data folder, so every revocation comes from this process). */
export function watchRevocationsOnPGlite(pglite: () => Promise<PGlite>, handlers: RevocationHandlers): RevocationWatch {
  handlers.live(false);
  const unlisten = pglite().then(async (db) => {
    const stop = await db.listen(API_KEY_REVOKED_CHANNEL, (payload) => handlers.revoked(payload));
    handlers.live(true);
    return stop;
  });
  return {
    close: async () => {
      const stop = await unlisten.catch(() => null);
      await stop?.().catch(() => undefined);
    },
  };
}
