// What the process knows about its database: whether it is in an outage, and since when. Requests, the pool and
// background work report failures here; the log says so once when an outage starts and once when it ends (with its
// length), not a line per failed request, and every report is counted in /metrics by reason.
import type { DatabaseUnavailableError } from "@mfa-chain/infra-postgres";
import type { Logger } from "pino";
import type { Metrics } from "../http/metrics.js";

export interface Outage {
  readonly since: number;
  readonly reason: string;
}

export interface DatabaseHealthOptions {
  /** One cheap round trip (`select 1`); throws while the database cannot serve. */
  readonly probe: () => Promise<void>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** How often an outage is probed for its end (default 1 s). */
  readonly probeIntervalMs?: number;
}

export class DatabaseHealth {
  #outage: Outage | null = null;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(private readonly o: DatabaseHealthOptions) {}

  /** The outage in progress, or null. */
  get outage(): Outage | null {
    return this.#outage;
  }

  /** A request or a background task found the database unavailable. */
  report(error: DatabaseUnavailableError): void {
    this.o.metrics.databaseUnavailable.inc({ reason: error.reason });
    if (this.#outage || this.#stopped) return;
    this.#outage = { since: Date.now(), reason: error.reason };
    this.o.logger.warn({ reason: error.reason, error: describeCause(error) }, "database unavailable: answering 503 until it is back");
    this.#schedule();
  }

  /** Stops probing (at shutdown). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#probe(), this.o.probeIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  async #probe(): Promise<void> {
    if (this.#stopped || !this.#outage) return;
    try {
      await this.o.probe();
      this.o.logger.info({ reason: this.#outage.reason, downMs: Date.now() - this.#outage.since }, "database available again");
      this.#outage = null;
    } catch {
      this.#schedule();
    }
  }
}

/** The driver's error class, code and message: what an operator needs to tell a restart from a refused password. */
export function describeCause(error: DatabaseUnavailableError): Record<string, unknown> {
  const cause = error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown }).code;
  return { class: cause.constructor.name, ...(typeof code === "string" ? { code } : {}), message: cause.message };
}
