// Parses a request part with its strict schema; on failure answers 400 with every problem and its path.
import type { RequestHandler, Response } from "express";
import { z } from "zod";
import { sendProblem } from "./problem.js";

const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");

export function parseOr400<S extends z.ZodType>(
  schema: S,
  value: unknown,
  res: Response,
  part: "body" | "path" | "query" | "header",
): z.infer<S> | undefined {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = formatPath(issue.path);
    const message = keys.length > 0 ? `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}` : issue.message;
    return { path: path || part, message };
  });
  sendProblem(res, {
    code: "invalid_request",
    detail: `invalid ${part}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
    errors,
  });
  return undefined;
}

const NOTHING = z.strictObject({});
const isEmpty = (value: unknown): boolean =>
  value === undefined || (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);

/** For a route that takes no query parameters: any parameter is an unknown field (400), as in a body. */
export const noQuery: RequestHandler = (req, res, next) => {
  if (isEmpty(req.query) || parseOr400(NOTHING, req.query, res, "query")) next();
};

/** For a route that takes no body: an empty body or {} passes; anything else is refused before anything changes. */
export const noBody: RequestHandler = (req, res, next) => {
  if (isEmpty(req.body) || parseOr400(NOTHING, req.body, res, "body")) next();
};
