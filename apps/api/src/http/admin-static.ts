// The admin console's static build (apps/admin/dist, made by the build), served under /admin/ with the single-page
// app's fallback: any path under /admin/ that is not a file gets index.html, so deep links work. Without a build, a
// problem says how to make one.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";
import { sendProblem } from "./problem.js";

const here = dirname(fileURLToPath(import.meta.url));
/** apps/admin/dist, from apps/api/src/http (development) or apps/api/dist (built). */
const candidates = [join(here, "..", "..", "..", "admin", "dist"), join(here, "..", "..", "admin", "dist")];

export function adminConsole(dir: string | undefined = candidates.find((c) => existsSync(join(c, "index.html")))): Router {
  const r = Router();
  if (dir === undefined) {
    r.use((_req, res) =>
      sendProblem(res, {
        code: "not_found",
        detail: "the admin console is not built: run `pnpm build` (or `pnpm --filter @mfa-chain/admin dev`)",
      }),
    );
    return r;
  }
  // Hashed assets never change; index.html always is asked again.
  r.use("/assets", express.static(join(dir, "assets"), { index: false, immutable: true, maxAge: "365d", fallthrough: false }));
  r.use(express.static(dir, { index: false }));
  r.get(/.*/, (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.sendFile(join(dir, "index.html"));
  });
  return r;
}
