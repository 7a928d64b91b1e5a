// Configuration from the environment, parsed once at start; a bad value stops the process with a clear message.
import { isPushApiBaseUrl } from "@mfa-chain/domain";
import { relyingPartyAt } from "./boot/console-relying-party.js";
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes");

const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** A whole decimal number (no sign, exponent, hex or blanks) within bounds. */
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const csv = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/** Whether a value is exactly an origin a browser uses passkeys at (the domain's relying-party rules). */
function isPasskeyOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return url.origin === value && relyingPartyAt(value, "console") !== null;
  } catch {
    return false;
  }
}

/** A PostgreSQL connection string; the CLI checks its DATABASE_URL with this too. */
export const DatabaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//i, "expected a postgres:// or postgresql:// URL")
  .url();

export const configSchema = z
  .object({
    PORT: int(0, 65535).default(3000),
    HOST: z.string().min(1).default("127.0.0.1"),
    /** PostgreSQL connection string; without it the API runs on embedded PGlite in MFA_DATA_DIR. */
    DATABASE_URL: DatabaseUrl.optional(),
    /** Connections per process. A few per database core is enough: more only queue inside PostgreSQL. */
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    /** Longest wait for a new connection or a free one of the pool, in ms; past it the request is answered 503. */
    DATABASE_CONNECT_TIMEOUT_MS: int(100, 60_000).default(3_000),
    /** PostgreSQL's statement_timeout, in ms; the client gives up one second later on a server that stopped answering. */
    DATABASE_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(5_000),
    MFA_DATA_DIR: z.string().min(1).default(".data/pglite"),
    /** Keyring for factor secrets: "id:base64key[,id:base64key…]", first is current. Required with DATABASE_URL. */
    MFA_SECRET_KEYS: z.string().min(1).optional(),
    /** Key of the keyed hashes single-use codes are stored as (backup codes): base64 of ≥32 random bytes. Required with DATABASE_URL. */
    MFA_CODE_HASH_KEY: z.string().min(1).optional(),
    MFA_ISSUER: z.string().min(1).max(64).default("mfa-chain"),
    /**
     * The API's base URL as devices reach it (push enrollment links): https://host[:port][/path], http:// on a loopback
     * host only. Default: the address the API listens on.
     */
    MFA_PUBLIC_URL: z
      .string()
      .refine(isPushApiBaseUrl, "must be https://host[:port][/path] (http:// only on a loopback host), without a trailing slash")
      .optional(),
    /**
     * The admin console's origin as operators' browsers see it (https://host[:port]; http:// only on localhost): the
     * console tenant's WebAuthn relying party (RP id: its host) for operators' passkeys. Default: the origin of
     * MFA_PUBLIC_URL, else http://localhost:<the port listened on>.
     */
    MFA_CONSOLE_ORIGIN: z
      .string()
      .refine(
        isPasskeyOrigin,
        "must be an origin, https://host[:port] (http:// only on localhost), with a host name (not an IP address) and no path",
      )
      .optional(),
    /** Serve the demo page and create a demo tenant on first start. Default: on for the embedded database on loopback. */
    MFA_DEMO: bool.optional(),
    /** Development only: an endpoint that reveals the current code of an attempt's step (S32). Refused with
     * NODE_ENV=production and on a HOST other than loopback. */
    MFA_DEV_CODES: bool.default(false),
    NODE_ENV: z.string().optional(),
    /** Run migrations on start. */
    MFA_MIGRATE_ON_START: bool.default(true),
    /** Proxies whose X-Forwarded-For is believed: IPs or CIDRs (S28). Empty: the socket address is the client. */
    TRUSTED_PROXIES: csv.default([]),
    REDIS_URL: z
      .string()
      .url()
      .refine((u) => /^rediss?:\/\//i.test(u), "expected a redis:// or rediss:// URL")
      .optional(),
    RATE_LIMIT_PER_KEY: int(1, 100_000_000).default(6000),
    RATE_LIMIT_PER_IP: int(1, 100_000_000).default(600),
    RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(60),
    /** Code reads of one vault entry by one user (or admin key) per RATE_LIMIT_WINDOW_SECONDS. */
    VAULT_READS_PER_WINDOW: int(1, 100_000_000).default(30),
    /** More reads than this in the window are flagged as a burst in the audit (vault.read_burst). */
    VAULT_BURST_READS: int(1, 100_000_000).default(10),
    /** How far V8 lets the old generation grow past its live size before a full collection, in percent; 0: V8's own
     * heuristics (a factor of up to 4). Keeps the process near its live size under load (boot/heap.ts). */
    MFA_HEAP_GROWTH_PERCENT: int(0, 400).default(30),
    /** How often each process seals new audit events into their tenant's hash chain; 0: this process does not seal.
     * Often, so that each round is small: a round's updates and hashing compete with the verifies of that moment. */
    MFA_AUDIT_SEAL_SECONDS: int(0, 3600).default(1),
    /** A MaxMind .mmdb database (GeoLite2/GeoIP2 Country or City, or ASN): where a sign-in comes from, for the
     * new-location rule. Without it every address is unknown and location never prompts (docs/enforcement.md). */
    GEOIP_DATABASE: z.string().min(1).optional(),
    /** Optionally, a GeoLite2/GeoIP2 ASN database: the network of an address no country is known for. */
    GEOIP_ASN_DATABASE: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    SHUTDOWN_GRACE_SECONDS: int(0, 300).default(20),
  })
  .transform((c) => ({ ...c, MFA_DEMO: c.MFA_DEMO ?? (c.DATABASE_URL === undefined && isLoopback(c.HOST)) }));

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to nothing (`PORT=`) means "not set": the default applies, as it does for the CLI.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = configSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(environment)"}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  if (parsed.data.MFA_DEMO && !isLoopback(parsed.data.HOST)) {
    // The demo page hands its visitors an admin key of the demo tenant: it may only be reachable from this machine.
    throw new ConfigError(
      `invalid configuration:\n  MFA_DEMO: the demo page is served on loopback only; HOST is "${parsed.data.HOST}" (set MFA_DEMO=false)`,
    );
  }
  if (parsed.data.MFA_DEV_CODES && (parsed.data.NODE_ENV === "production" || !isLoopback(parsed.data.HOST))) {
    // The endpoint reveals live codes: a development aid, never reachable from another machine or in production.
    const why = parsed.data.NODE_ENV === "production" ? "NODE_ENV is production" : `HOST is "${parsed.data.HOST}", not loopback`;
    throw new ConfigError(
      `invalid configuration:\n  MFA_DEV_CODES: reading live codes is for development on this machine only; ${why} (set MFA_DEV_CODES=false)`,
    );
  }
  if (parsed.data.GEOIP_ASN_DATABASE && !parsed.data.GEOIP_DATABASE) {
    throw new ConfigError(
      "invalid configuration:\n  GEOIP_ASN_DATABASE: set GEOIP_DATABASE too (a Country, City or ASN database; the ASN one is the fallback)",
    );
  }
  if (parsed.data.DATABASE_URL && !parsed.data.MFA_SECRET_KEYS) {
    throw new ConfigError("invalid configuration:\n  MFA_SECRET_KEYS: required when DATABASE_URL is set (id:base64 of 32 random bytes)");
  }
  if (parsed.data.DATABASE_URL && !parsed.data.MFA_CODE_HASH_KEY) {
    throw new ConfigError(
      "invalid configuration:\n  MFA_CODE_HASH_KEY: required when DATABASE_URL is set (base64 of 32 random bytes: openssl rand -base64 32)",
    );
  }
  return parsed.data;
}
