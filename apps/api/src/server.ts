// The composition root: configuration in, a listening API out. Everything concrete is chosen here and nowhere else.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { resolve } from "node:path";
import {
  createKinds,
  createServices,
  NotificationDispatcher,
  PeekCurrentCode,
  PolicyVersionCache,
  type Clock,
  type MessageDelivery,
} from "@mfa-chain/application";
import { deliveryFromEnvironment, type ConfiguredDelivery } from "@mfa-chain/delivery";
import { SimpleWebAuthnCeremony } from "@mfa-chain/webauthn";
import { isSendLimits, type SendLimits } from "@mfa-chain/domain";
import { CryptoRandomSource, NodePushSignatureVerifier, RandomIdGenerator, SystemClock } from "@mfa-chain/crypto";
import { POLLING_ONLY, type PushGateway } from "@mfa-chain/application";
import { WebhookPushGateway } from "@mfa-chain/delivery";
import {
  asDatabaseUnavailable,
  createDatabase,
  migrateToLatest,
  PostgresAuditReader,
  PostgresIdempotencyStore,
  PostgresUnitOfWork,
  sealAllAuditChains,
  type MfaDatabase,
} from "@mfa-chain/infra-postgres";
import { otp } from "@mfa-chain/totp";
import { sql } from "kysely";
import { pino, type Logger } from "pino";
import { createApp } from "./app.js";
import { API_KEY_MINTER } from "./boot/api-keys.js";
import { DatabaseHealth, describeCause } from "./boot/database-health.js";
import { ensureDemo, type DemoSetup } from "./boot/demo.js";
import { disableDemoOperator, ensureDemoOperator, type DemoOperator } from "./boot/demo-operator.js";
import { createOperatorWithTotp, type CreatedOperator, type OperatorInput } from "./boot/operators.js";
import {
  ConsoleApiKeys,
  ConsoleOperators,
  ConsoleTenants,
  OperatorAdmin,
  OperatorPasskeys,
  TenantUsers,
  VerifyAuditChain,
} from "@mfa-chain/application";
import { consoleRelyingParty } from "./boot/console-relying-party.js";
import { postgresAuditChainVerifier } from "@mfa-chain/infra-postgres";
import { Argon2PasswordHasher } from "@mfa-chain/crypto";
import { retryWithBackoff } from "./boot/retry.js";
import { everyOneAtATime } from "./boot/one-at-a-time.js";
import { loadCodeHasher } from "./boot/code-hasher.js";
import { loadKeyring } from "./boot/keyring.js";
import { loadLocations } from "./boot/geoip.js";
import { createRateLimitStore, type RateLimitStore } from "./boot/rate-limit-store.js";
import type { Config } from "./config.js";
import { CachedApiKeyResolver } from "./http/auth.js";
import { parseTrustedProxies } from "./http/client-ip.js";
import { rawProblemResponse, safeError } from "./http/problem.js";
import { createMetrics } from "./http/metrics.js";

/** How often each process looks for notifications left in the outbox (queued by a process that stopped before it sent). */
const NOTIFICATION_DRAIN_MS = 5_000;

export interface ServerOptions {
  readonly config: Config;
  /** Injected by tests that move time; the system clock otherwise. */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where a relative MFA_DATA_DIR starts (default: the working directory). */
  readonly baseDir?: string;
  /** Overrides MFA_AUDIT_SEAL_SECONDS, in milliseconds (0 turns sealing off). */
  readonly auditSealMs?: number;
  /** Where delivery settings (SMTP_URL, SMS_WEBHOOK_URL, DELIVERY_OUTBOX, MFA_SEND_LIMITS, …) are read; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Injected by tests: replaces the delivery the environment describes. */
  readonly delivery?: MessageDelivery;
  /** Injected by tests: replaces the push gateway PUSH_GATEWAY_URL describes. */
  readonly pushGateway?: PushGateway;
  /** Called once the start-up work on the database is done, before "ready" is logged. */
  readonly onStarted?: (started: Started, url: string) => void;
}

export interface Started {
  /** In demo mode, what the start set up. */
  readonly demo: DemoSetup | undefined;
  /** In demo mode, the console's demo operator (its password and secret on the start that created it). */
  readonly demoOperator?: DemoOperator;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly database: MfaDatabase;
  /**
   * Settles once the database was reached, migrated (MFA_MIGRATE_ON_START) and the demo set up: until then the process
   * answers /healthz, reports not ready on /readyz and answers /v1 with 503, retrying with backoff. It never rejects
   * for an unreachable database; it rejects only if the server is closed before it got there.
   */
  readonly started: Promise<Started>;
  /** Creates a console operator with an authenticator app (operator commands, tests); its secret is returned once. */
  createOperator(input: OperatorInput): Promise<CreatedOperator>;
  readonly logger: Logger;
  /** Stops taking connections, lets in-flight requests finish (up to the grace period), then closes the database. */
  close(): Promise<void>;
}

export function createLogger(level: Config["LOG_LEVEL"]): Logger {
  // S10: requests are logged by route and status only; the redaction is a second net, not the first.
  return pino({
    level,
    redact: {
      paths: ["req.headers.authorization", "*.secret", "*.apiKey", "*.otpauthUri", "*.params", "err.params"],
      censor: "[redacted]",
    },
  });
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const { config } = o;
  const logger = o.logger ?? createLogger(config.LOG_LEVEL);
  const clock = o.clock ?? new SystemClock();
  const dataDir = config.MFA_DATA_DIR.startsWith("memory://")
    ? config.MFA_DATA_DIR
    : resolve(o.baseDir ?? process.cwd(), config.MFA_DATA_DIR);
  const database = createDatabase({
    url: config.DATABASE_URL,
    dataDir,
    poolSize: config.DATABASE_POOL_SIZE,
    timeouts: { connectMs: config.DATABASE_CONNECT_TIMEOUT_MS, statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS },
    onPoolError: (error) => onDatabaseError(error),
  });
  const metrics = createMetrics();
  const probe = async () => void (await sql`select 1`.execute(database.db));
  const health = new DatabaseHealth({ probe, logger, metrics });
  // A pooled connection that failed (idle or in use): an outage starts, or a single connection was cut and the pool
  // replaces it. Either way it is reported, not thrown: nothing the database does may end the process.
  const onDatabaseError = (error: Error) => {
    const unavailable = asDatabaseUnavailable(error);
    if (unavailable) health.report(unavailable);
    else logger.warn({ err: safeError(error) }, "database connection failed");
  };
  const cleanups: Array<() => Promise<void> | void> = [() => database.close(), () => health.stop()];
  // Every step runs even if an earlier one fails (the database is closed last), and the first failure is reported.
  const cleanup = async () => {
    const failures: unknown[] = [];
    for (const step of cleanups.reverse())
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  };
  try {
    logger.info({ database: database.description }, "database");
    const keyring = loadKeyring(config.MFA_SECRET_KEYS, database.kind === "pglite" ? dataDir : null);
    logger.info({ keys: keyring.description, currentKeyId: keyring.keyring.currentKeyId }, "secret keyring");
    const codeHasher = loadCodeHasher(config.MFA_CODE_HASH_KEY, database.kind === "pglite" ? dataDir : null);
    logger.info({ key: codeHasher.description }, "code hash key");

    const env = o.env ?? process.env;
    // Codes go where the environment says; in embedded or demo mode, channels without a provider go to the development
    // outbox (unless DELIVERY_OUTBOX says otherwise). A wrong setting fails the start, naming every variable at fault.
    const configured: ConfiguredDelivery | null = o.delivery
      ? null
      : deliveryFromEnvironment({
          ...env,
          DELIVERY_OUTBOX: env.DELIVERY_OUTBOX ?? (config.MFA_DEMO || config.DATABASE_URL === undefined ? "1" : undefined),
        });
    if (configured) cleanups.push(() => configured.close());
    const delivery: MessageDelivery = o.delivery ?? (configured as ConfiguredDelivery);
    logger.info({ delivery: configured?.providers ?? "injected" }, "delivery");
    const sendLimits = readSendLimits(env.MFA_SEND_LIMITS);
    const pushGateway = o.pushGateway ?? pushGatewayFromEnvironment(env);
    logger.info({ pushGateway: o.pushGateway ? "injected" : env.PUSH_GATEWAY_URL ? "webhook" : "polling only" }, "push");
    // Set once listening: the default base URL of push enrollment links.
    const listening: { url?: string } = {};
    const locations = await loadLocations(config, o.baseDir ?? process.cwd(), logger);

    const uow = new PostgresUnitOfWork(database.db);
    const adapters = {
      uow,
      auditReader: new PostgresAuditReader(database.db),
      clock,
      random: new CryptoRandomSource(),
      ids: new RandomIdGenerator(),
      kinds: createKinds({
        otp,
        provisioner: otp,
        cipher: keyring.keyring,
        hasher: codeHasher.hasher,
        random: new CryptoRandomSource(),
        issuer: config.MFA_ISSUER,
        // Push (issue 13): enrollment links carry MFA_PUBLIC_URL, or the address listened on once it is known.
        push: {
          apiBaseUrl: () => config.MFA_PUBLIC_URL ?? listening.url,
          gateway: pushGateway,
          onGatewayError: (error: unknown) => logger.warn({ err: safeError(error) }, "push gateway: the device was not woken (it polls)"),
        },
        webauthn: new SimpleWebAuthnCeremony(),
      }),
      keys: API_KEY_MINTER,
      cipher: keyring.keyring,
      generator: otp,
      delivery,
      ...(sendLimits === undefined ? {} : { sendLimits }),
      ...(locations === undefined ? {} : { locations }),
      hasher: codeHasher.hasher,
      pushVerifier: new NodePushSignatureVerifier(),
    };
    // Notifications (issue 11): the use cases queue them in the outbox in their own transaction; this process's
    // dispatcher sends them once committed (kicked by the use case, and every few seconds for what another process left).
    const notifier = new NotificationDispatcher({
      uow,
      clock,
      kinds: adapters.kinds,
      delivery,
      cipher: keyring.keyring,
      onError: (error) => {
        const unavailable = asDatabaseUnavailable(error);
        if (unavailable) health.report(unavailable);
        else logger.warn({ err: safeError(error) }, "a notification was not sent");
      },
    });
    const notifying = { ...adapters, notify: notifier };
    const shared = { policies: new PolicyVersionCache() };
    const services = createServices(notifying, shared);
    // Resolved API keys are cached; every revocation committed by any process clears its key here at once.
    const apiKeys = new CachedApiKeyResolver({ resolve: (keyHash) => services.resolveApiKey.execute(keyHash) });
    const revocations = database.watchApiKeyRevocations(
      {
        revoked: (keyHash) => apiKeys.forget(keyHash),
        live: (isLive) => {
          apiKeys.trusted(isLive);
          logger.info(
            { live: isLive },
            isLive ? "hearing API-key revocations: key cache on" : "not hearing API-key revocations: key cache off",
          );
        },
      },
      { onError: (error) => logger.warn({ err: safeError(error) }, "API-key revocation listener") },
    );
    cleanups.push(() => revocations.close());
    const idempotencyStore = new PostgresIdempotencyStore(database.db, keyring.keyring);

    let draining = false;
    let closed = false;
    // Set once the start-up work on the database is done (below, after listening).
    let startedWith: Started | undefined;
    let startProblem = "starting: connecting to the database";
    const store: RateLimitStore = await createRateLimitStore(config, logger);
    cleanups.push(() => store.close());
    // The admin console's operators and sessions (issue 15), over the same use cases.
    const operators = new ConsoleOperators({
      uow,
      clock,
      ids: adapters.ids,
      passwords: new Argon2PasswordHasher(),
      startAttempt: services.startAttempt,
      verifyStep: services.verifyStep,
      savePolicy: services.savePolicy,
      issueChallenge: services.issueChallenge,
      // Operators' passkeys (issue 15): the console's origin, known once listening when not configured.
      relyingParty: {
        of: () => consoleRelyingParty(config, listening.url),
        get: services.getRelyingParty,
        set: services.setRelyingParty,
        warn: (message) => logger.warn(message),
      },
    });
    const devPeek = config.MFA_DEV_CODES
      ? new PeekCurrentCode({ uow, clock, kinds: adapters.kinds, generator: otp, policies: new PolicyVersionCache() })
      : undefined;
    if (devPeek) logger.warn("MFA_DEV_CODES is on: the current code of any attempt can be read. Development only.");

    const app = createApp({
      services,
      apiKeys,
      rateLimiters: store.limiters,
      vaultBurstReads: config.VAULT_BURST_READS,
      metrics,
      logger,
      trustedProxies: parseTrustedProxies(config.TRUSTED_PROXIES),
      readiness: async () => {
        if (draining) return "shutting down";
        if (!startedWith) return startProblem;
        try {
          await probe();
          return null;
        } catch (error) {
          const unavailable = asDatabaseUnavailable(error);
          if (!unavailable) {
            logger.warn({ err: safeError(error) }, "readiness check failed");
            return "the database is not usable";
          }
          health.report(unavailable);
          return `the database is not reachable (${unavailable.reason})`;
        }
      },
      started: () => startedWith !== undefined,
      idempotency: { store: idempotencyStore, servicesOn: (joined) => createServices({ ...notifying, uow: joined }, shared) },
      onDatabaseUnavailable: (error) => health.report(error),
      ...(devPeek ? { devPeek } : {}),
      console: operators,
      operatorPasskeys: new OperatorPasskeys({ uow, kinds: adapters.kinds, ...services }),
      auditChain: new VerifyAuditChain({ verifier: postgresAuditChainVerifier(database.db) }),
      apiKeysAdmin: new ConsoleApiKeys({ uow, clock, ids: adapters.ids, keys: API_KEY_MINTER }),
      directory: { tenants: new ConsoleTenants({ uow, clock }), users: new TenantUsers({ uow, audit: adapters.auditReader }) },
      ...(config.MFA_DEMO
        ? {
            demo: () =>
              startedWith?.demo && {
                apiKey: startedWith.demo.apiKey,
                policyId: startedWith.demo.policyId,
                emailPolicyId: startedWith.demo.emailPolicyId,
              },
          }
        : {}),
      // The development outbox's messages, for the demo page: demo mode only (loopback), never in production.
      ...(config.MFA_DEMO && config.NODE_ENV !== "production" && configured?.outbox
        ? { devOutbox: (tenantId: string) => configured.outbox?.list(tenantId) ?? [] }
        : {}),
    });

    // Node answers an HTTP/1.1 request without Host with a bare 400 of its own; app.ts answers it in problem+json.
    // Incomplete requests are checked for the 30 s request timeout every 5 s (Node's default: every 30 s).
    const server: Server = createServer({ requireHostHeader: false, connectionsCheckingInterval: 5_000 }, app);
    await new Promise<void>((ok, fail) => {
      const refused = (error: Error) => fail(listenError(error, config));
      server.once("error", refused);
      server.listen(config.PORT, config.HOST, () => {
        server.off("error", refused);
        ok();
      });
    });
    server.on("error", (error) => logger.error({ err: safeError(error) }, "server error"));
    // Requests Node's HTTP parser refuses never reach express: answer them in problem+json too.
    server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (error.code === "ECONNRESET" || !socket.writable) return socket.destroy();
      socket.end(rawProblemResponse(error));
    });
    // Requests in flight, and the time the last one arrived: a shutdown drains them before closing connections.
    let inFlight = 0;
    let lastArrival = 0;
    server.prependListener("request", (_req, res) => {
      inFlight += 1;
      lastArrival = Date.now();
      // While draining, every answer tells its client to reconnect elsewhere.
      if (draining) res.setHeader("Connection", "close");
      res.once("close", () => (inFlight -= 1));
    });
    // Keep-alive connections of load balancers outlive one request; time them out a little after theirs do.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 30_000;

    const sealMs = o.auditSealMs ?? config.MFA_AUDIT_SEAL_SECONDS * 1000;
    // One round at a time: a round that works off a backlog outlasts its interval, and overlapping rounds only queue on
    // the tenant's lock and re-read each other's work.
    const sealer =
      sealMs > 0
        ? everyOneAtATime(async () => {
            // Small batches: hashing a batch runs on the event loop, so a big one would stall requests for its duration.
            if (!startedWith || health.outage) return;
            await sealAllAuditChains(database.db, { batchSize: 100 }).catch((error: unknown) => {
              const unavailable = asDatabaseUnavailable(error);
              if (unavailable) health.report(unavailable);
              else logger.warn({ err: safeError(error) }, "audit sealing failed");
            });
          }, sealMs)
        : undefined;

    const drainer = setInterval(() => {
      if (!startedWith || health.outage) return;
      notifier.kick();
    }, NOTIFICATION_DRAIN_MS).unref();
    cleanups.push(async () => {
      clearInterval(drainer);
      await notifier.idle();
    });

    // Idempotency keys are kept 24 hours; each process deletes the expired ones now and then.
    const purger = everyOneAtATime(async () => {
      if (!startedWith || health.outage) return;
      await idempotencyStore.purgeExpired(clock.now()).catch((error: unknown) => {
        const unavailable = asDatabaseUnavailable(error);
        if (unavailable) health.report(unavailable);
        else logger.warn({ err: safeError(error) }, "purging expired idempotency keys failed");
      });
    }, 10 * 60_000);

    const port = (server.address() as AddressInfo).port;
    const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
    listening.url = url;
    logger.info({ url, demo: config.MFA_DEMO ? `${url}/demo/` : undefined, docs: `${url}/docs/` }, "mfa-chain API listening");

    // What needs the database before /v1 can serve runs after listening, not before, so that a process started while
    // the database is down still answers /healthz and /readyz, and comes up by itself when the database does.
    const started = retryWithBackoff(
      async (): Promise<Started> => {
        if (config.MFA_MIGRATE_ON_START) {
          const applied = await migrateToLatest(database.db);
          if (applied.length > 0) logger.info({ migrations: applied }, "migrations applied");
        }
        await operators.ensureConsole();
        const demoOperator = config.MFA_DEMO ? await ensureDemoOperator(services, operators, () => clock.now()) : undefined;
        // Demo mode's operator (an admin of every tenant) never outlives it: a start without demo mode disables it.
        if (!config.MFA_DEMO) await disableDemoOperator(new OperatorAdmin({ uow, clock, passwords: new Argon2PasswordHasher() }));
        return { demo: config.MFA_DEMO ? await ensureDemo(services) : undefined, ...(demoOperator ? { demoOperator } : {}) };
      },
      {
        stopped: () => closed,
        onFailure: (error, retryInMs) => {
          const unavailable = asDatabaseUnavailable(error);
          startProblem = `starting: ${unavailable ? `the database is not reachable (${unavailable.reason})` : "the start-up work on the database failed"}; retrying`;
          const fields = unavailable ? { reason: unavailable.reason, error: describeCause(unavailable) } : { err: safeError(error) };
          logger.warn({ ...fields, retryInMs }, "start-up needs the database: retrying");
        },
      },
    ).then((result) => {
      startedWith = result;
      o.onStarted?.(result, url);
      logger.info({ url }, "mfa-chain API ready");
      return result;
    });
    started.catch(() => undefined); // rejected only when closed before it got there

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        closed = true;
        purger.stop();
        sealer?.stop();
        // Drain: /readyz fails so load balancers stop sending; requests already on the wire still arrive and are
        // answered (with Connection: close). Once none is in flight or arriving, stop listening and close idle
        // connections; whatever is still running after the grace period is cut.
        draining = true;
        const drainStart = Date.now();
        const deadline = drainStart + config.SHUTDOWN_GRACE_SECONDS * 1000;
        // Drain for at most half the grace period (steady traffic would otherwise never look quiet), so that requests
        // still running when listening stops get the other half.
        const drainUntil = drainStart + (config.SHUTDOWN_GRACE_SECONDS * 1000) / 2;
        const quiet = () => inFlight === 0 && Date.now() - Math.max(lastArrival, drainStart) >= 200;
        while (Date.now() < drainUntil && !quiet()) await new Promise((r) => setTimeout(r, 25));
        const stopped = new Promise<void>((ok) => server.close(() => ok()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now())).unref();
        await stopped;
        clearTimeout(grace);
        await Promise.all([sealer?.idle(), purger.idle()]);
        await cleanup();
        logger.info("stopped");
      })());
    const createOperator = (input: OperatorInput) => createOperatorWithTotp(services, operators, input, () => clock.now());
    return { url, port, database, started, logger, close, createOperator };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}

/** A listen failure as the configuration error it usually is: the address in use or not on this machine. */
function listenError(error: Error, config: Config): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `HOST=${config.HOST} PORT=${config.PORT}`;
  if (code === "EADDRINUSE") return new Error(`cannot listen on ${where}: the port is in use by another process`);
  if (code === "EADDRNOTAVAIL") return new Error(`cannot listen on ${where}: that address is not one of this machine's`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new Error(`cannot listen on ${where}: the host name does not resolve`);
  if (code === "EACCES") return new Error(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`);
  return new Error(`cannot listen on ${where}: ${error.message}`);
}

/** MFA_SEND_LIMITS: JSON `{ perDestination, perUser, perTenant }`, each a list of `{ count, windowSeconds }` (S16). */
function readSendLimits(raw: string | undefined): SendLimits | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("invalid configuration:\n  MFA_SEND_LIMITS: not JSON");
  }
  if (!isSendLimits(parsed))
    throw new Error(
      "invalid configuration:\n  MFA_SEND_LIMITS: expected { perDestination, perUser, perTenant }, each a list of { count, windowSeconds } (positive integers)",
    );
  return parsed;
}

/** PUSH_GATEWAY_URL and PUSH_GATEWAY_SECRET: a signed webhook that wakes push devices; without them devices poll. */
function pushGatewayFromEnvironment(env: Readonly<Record<string, string | undefined>>): PushGateway {
  const url = env.PUSH_GATEWAY_URL?.trim();
  if (!url) return POLLING_ONLY;
  try {
    return new WebhookPushGateway({ url, secret: env.PUSH_GATEWAY_SECRET ?? "" });
  } catch (error) {
    throw new Error(
      `invalid configuration:\n  PUSH_GATEWAY_URL / PUSH_GATEWAY_SECRET: ${error instanceof Error ? error.message : "refused"} (an https:// URL, http:// on loopback only, and a secret of at least 32 characters)`,
    );
  }
}
