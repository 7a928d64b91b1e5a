// Prometheus metrics: requests, latency, verify outcomes and lockouts.
import type { Request, RequestHandler } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "mfa_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "mfa_http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const verifyOutcomes = new Counter({
    name: "mfa_verify_outcomes_total",
    help: "Verify outcomes: success, complete, failure reasons, locked",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const lockouts = new Counter({ name: "mfa_lockouts_total", help: "Users locked by a failure", registers: [registry] });
  const databaseUnavailable = new Counter({
    name: "mfa_database_unavailable_total",
    help: "Requests and background tasks that found the database unavailable (answered 503), by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });

  /** Counts and times every request under its route pattern (never the raw path: ids stay out of label values). */
  const middleware =
    (routeOf: (req: Request) => string): RequestHandler =>
    (req, res, next) => {
      const end = latency.startTimer();
      res.on("finish", () => {
        const route = routeOf(req);
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
        end({ method: req.method, route });
      });
      next();
    };
  return { registry, middleware, verifyOutcomes, lockouts, databaseUnavailable };
}

export type Metrics = ReturnType<typeof createMetrics>;
