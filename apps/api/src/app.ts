// The express app: translation only. Parse, authenticate, limit, call a use case, present the result.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PeekCurrentCode, UnitOfWork } from "@mfa-chain/application";
import type { DatabaseUnavailableError } from "@mfa-chain/infra-postgres";
import express, { type Express, type Request, type RequestHandler } from "express";
import helmet from "helmet";
import type { Logger } from "pino";
import { authenticate, type ApiKeyResolver } from "./http/auth.js";
import type { OperatorPasskeys } from "@mfa-chain/application";
import type { ConsoleApiKeys, ConsoleOperators, ConsoleTenants, TenantUsers, VerifyAuditChain } from "@mfa-chain/application";
import { authenticateKeyOrSession } from "./http/console-session.js";
import { consoleRoutes } from "./routes/console.routes.js";
import { passkeyRoutes } from "./routes/console-passkeys.routes.js";
import { auditChainRoutes } from "./routes/audit-chain.routes.js";
import { apiKeyRoutes } from "./routes/api-keys.routes.js";
import { tenantRoutes, userDirectoryRoutes } from "./routes/directory.routes.js";
import { adminConsole } from "./http/admin-static.js";
import type { BlockList } from "node:net";
import { clientIp } from "./http/client-ip.js";
import { idempotent, type IdempotencyStore } from "./http/idempotency.js";
import type { Metrics } from "./http/metrics.js";
import { buildOpenApiDocument } from "./http/openapi.js";
import { errorHandler, sendProblem, sendUnavailable } from "./http/problem.js";
import { limitByIp, limitByKey, type RateLimiters } from "./http/rate-limit.js";
import { adminRoutes } from "./routes/admin.routes.js";
import { attemptRoutes } from "./routes/attempts.routes.js";
import { challengeRoutes } from "./routes/challenge.routes.js";
import { devOutboxRoutes, devRoutes, type OutboxMessage } from "./routes/dev.routes.js";
import { factorRoutes } from "./routes/factors.routes.js";
import { policyRoutes } from "./routes/policies.routes.js";
import { vaultRoutes } from "./routes/vault.routes.js";
import { enforcementRoutes } from "./routes/enforcement.routes.js";
import { recoveryRoutes } from "./routes/recovery.routes.js";
import { deviceRoutes } from "./routes/devices.routes.js";
import { pushAdminRoutes, pushDeviceRoutes } from "./routes/push.routes.js";
import type { Services } from "@mfa-chain/application";

export interface AppOptions {
  readonly services: Services;
  readonly apiKeys: ApiKeyResolver;
  readonly rateLimiters: RateLimiters;
  /** Vault code reads past this many in the rate-limit window are flagged as a burst in the audit. */
  readonly vaultBurstReads: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly trustedProxies: BlockList;
  /** Null when the process can serve; otherwise why not (starting, shutting down, the database not reachable). */
  readonly readiness: () => Promise<string | null>;
  /** False until the database was reached (and migrated) at start: until then /v1 answers 503. */
  readonly started: () => boolean;
  /** Told of every request the database could not serve (answered 503). */
  readonly onDatabaseUnavailable: (error: DatabaseUnavailableError) => void;
  /** Idempotency keys: where answers are kept, and the services bound to the transaction that keeps one. */
  readonly idempotency: { readonly store: IdempotencyStore; readonly servicesOn: (uow: UnitOfWork) => Services };
  /** Present only when MFA_DEV_CODES is explicitly on. */
  readonly devPeek?: PeekCurrentCode;
  /** The admin console's operators and sessions (issue 15): /console/session, and /v1 with the session cookie. */
  readonly console?: ConsoleOperators;
  /** A signed-in operator's own passkeys (/console/passkeys). */
  readonly operatorPasskeys?: OperatorPasskeys;
  /** Checks the tenant's audit hash chain (GET /v1/audit-chain). */
  readonly auditChain?: VerifyAuditChain;
  /** The tenant's API keys, for the console's admin operators (/v1/api-keys). */
  readonly apiKeysAdmin?: ConsoleApiKeys;
  /** The console's directories: tenants (/console/tenants) and a tenant's users (/v1/users). */
  readonly directory?: { readonly tenants: ConsoleTenants; readonly users: TenantUsers };
  /** Serves the demo page when demo mode is on; the key it may use, once the start has set the demo up. */
  readonly demo?: () => { readonly apiKey: string; readonly policyId: string; readonly emailPolicyId?: string } | undefined;
  /** Demo mode with the development outbox only: what it "sent", per tenant (GET /v1/dev/outbox). */
  readonly devOutbox?: (tenantId: string) => readonly OutboxMessage[];
}

const here = dirname(fileURLToPath(import.meta.url));
/** Static files: next to src/ in development and next to dist/ when built. */
export const publicDir = join(here, "..", "public");

/** One line per request: method, route pattern, status and time. Never bodies, query strings or headers (S10). */
function requestLog(logger: Logger, routeOf: RouteOf): RequestHandler {
  // Below info (LOG_LEVEL=warn and up, as in production under load) there is nothing to write: no timer, no listener.
  if (!logger.isLevelEnabled("info")) return (_req, _res, next) => next();
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ method: req.method, route: routeOf(req), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, "request");
    });
    next();
  };
}

export function createApp(o: AppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { "script-src": ["'self'"], "style-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:"] },
      },
    }),
  );
  app.use((req, res, next) => {
    // RFC 9112 §3.2: an HTTP/1.1 request without a Host header gets 400 (server.ts leaves this check to here).
    if (req.httpVersion === "1.1" && req.headers.host === undefined) {
      res.setHeader("Connection", "close");
      return sendProblem(res, { code: "invalid_request", detail: "an HTTP/1.1 request needs a Host header" });
    }
    next();
  });
  // The route pattern of a request, never its raw path (ids stay out of logs and label values): the one express matched,
  // else the documented path it fits (a request refused before its route ran: 401, 429, a body parser's 400/413).
  const openapi = buildOpenApiDocument({ devCodes: o.devPeek !== undefined });
  const documented = documentedPaths(openapi);
  // (An error answered by the last handler finishes after its router restored `baseUrl`: hence the documented check.)
  const documentedRoutes = new Set(documented.map((d) => d.route));
  const fitting = (req: Request) => {
    const path = (req.originalUrl.split("?")[0] as string) || "/";
    return documented.find((d) => d.pattern.test(path))?.route;
  };
  const routeOf: RouteOf = (req) => {
    if (!req.route?.path) return fitting(req) ?? "unmatched";
    const matched = `${req.baseUrl}${String(req.route.path)}`;
    return req.baseUrl !== "" || documentedRoutes.has(matched) ? matched : (fitting(req) ?? matched);
  };
  app.use(o.metrics.middleware(routeOf));
  app.use(requestLog(o.logger, routeOf));
  app.use(clientIp(o.trustedProxies));

  app.get("/healthz", (_req, res) => void res.json({ status: "ok" }));
  app.get("/readyz", async (_req, res) => {
    const notReady = await o.readiness();
    if (notReady === null) return void res.json({ status: "ready" });
    res
      .status(503)
      .type("application/problem+json")
      .json({ type: "/problems/not_ready", title: "Not ready", status: 503, detail: notReady, code: "not_ready" });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
  });

  app.get("/openapi.json", (_req, res) => void res.json(openapi));
  const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  app.use("/docs/assets", express.static(swaggerDir, { index: false }));
  app.use("/docs", express.static(join(publicDir, "docs")));

  if (o.demo) {
    const demo = o.demo;
    app.get("/demo/config.json", (_req, res) => {
      const setup = demo();
      if (!setup) return sendUnavailable(res, "the demo is being set up: the database is not reachable yet");
      res.setHeader("Cache-Control", "no-store");
      res.json({
        apiKey: setup.apiKey,
        policyId: setup.policyId,
        emailPolicyId: setup.emailPolicyId ?? null,
        outbox: Boolean(o.devOutbox),
      });
    });
    app.use("/demo", express.static(join(publicDir, "demo")));
    app.get("/", (_req, res) => res.redirect(302, "/demo/"));
  }

  const json: RequestHandler = express.json({ limit: "16kb", strict: true, type: ["application/json", "application/*+json"] });
  // A body, when there is one, must be JSON; an empty body reads as {} and meets the route's schema or not.
  const requireJson: RequestHandler = (req, res, next) => {
    const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    if (hasBody && !req.is(["application/json", "application/*+json"])) {
      return sendProblem(res, { code: "unsupported_media_type", detail: "send the body as application/json" });
    }
    next();
  };

  const v1 = express.Router();
  const whenStarted: RequestHandler = (_req, res, next) =>
    o.started() ? next() : sendUnavailable(res, "the service is starting: the database is not reachable (or not migrated) yet");
  const byKey = authenticate(o.apiKeys);
  const authenticated = o.console ? authenticateKeyOrSession(byKey, o.console) : byKey;
  // Push devices (issue 13) hold no API key: their routes are authenticated by the device's signature.
  app.use("/v1/push", whenStarted, limitByIp(o.rateLimiters), requireJson, json, pushDeviceRoutes(o.services));
  v1.use(whenStarted, limitByIp(o.rateLimiters), authenticated, limitByKey(o.rateLimiters), requireJson, json);
  const once = idempotent(o.idempotency.store, o.idempotency.servicesOn);
  // The attempts (start, verify: the hot path) first: express tries every route of the routers mounted before it.
  v1.use(attemptRoutes(o.services, o.metrics, once));
  v1.use(policyRoutes(o.services));
  v1.use(factorRoutes(o.services, once));
  v1.use(challengeRoutes(o.services));
  v1.use(adminRoutes(o.services));
  v1.use(vaultRoutes(o.services, { limiters: o.rateLimiters, burstReads: o.vaultBurstReads }));
  v1.use(enforcementRoutes(o.services));
  v1.use(deviceRoutes(o.services));
  if (o.auditChain) v1.use(auditChainRoutes(o.auditChain));
  if (o.apiKeysAdmin) v1.use(apiKeyRoutes(o.apiKeysAdmin));
  if (o.directory) v1.use(userDirectoryRoutes(o.directory.users));
  v1.use(pushAdminRoutes(o.services));
  v1.use(recoveryRoutes(o.services));
  if (o.devPeek) v1.use(devRoutes(o.devPeek));
  if (o.devOutbox) v1.use(devOutboxRoutes(o.devOutbox));
  app.use("/v1", v1);
  // The admin console (issue 15): its sign-in and session, and its static build under /admin/.
  if (o.console) app.use("/console", whenStarted, limitByIp(o.rateLimiters), requireJson, json, consoleRoutes(o.console));
  if (o.console && o.directory)
    app.use("/console", whenStarted, limitByIp(o.rateLimiters), requireJson, json, tenantRoutes(o.directory.tenants, o.console));
  if (o.console && o.operatorPasskeys)
    app.use("/console", whenStarted, limitByIp(o.rateLimiters), requireJson, json, passkeyRoutes(o.operatorPasskeys, o.console));
  app.use("/admin", adminConsole());

  // A path the API has, asked with a method it does not take: 405 with the methods it does (from the OpenAPI paths).
  const allowedOn = (path: string) => [...new Set(documented.filter((d) => d.pattern.test(path)).flatMap((d) => d.methods))];
  app.use((req, res) => {
    const allowed = allowedOn(req.path);
    if (allowed.length > 0) {
      return sendProblem(
        res,
        { code: "method_not_allowed", detail: `${req.method} is not allowed on ${req.path} (allowed: ${allowed.join(", ")})` },
        { Allow: allowed.join(", ") },
      );
    }
    sendProblem(res, { code: "not_found", detail: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(o.logger, o.onDatabaseUnavailable));
  return app;
}

export type RouteOf = (req: Request) => string;

/**
 * The documented paths: a pattern matching request paths, the route in express's notation (`/v1/attempts/:attemptId`,
 * as metrics and logs name routes) and the methods it takes, GET with HEAD.
 */
function documentedPaths(document: { paths?: object | undefined }): Array<{ pattern: RegExp; route: string; methods: string[] }> {
  return Object.entries(document.paths ?? {}).map(([template, item]) => {
    const pattern = new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]+")}/?$`,
    );
    const methods = Object.keys(item)
      .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
      .map((m) => m.toUpperCase());
    return { pattern, route: template.replace(/\{([^}]+)\}/g, ":$1"), methods: methods.includes("GET") ? [...methods, "HEAD"] : methods };
  });
}
