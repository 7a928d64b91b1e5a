// The deployment files, checked without a Docker engine (these machines have none, so the image is never built
// here): the Dockerfile and compose.yaml are parsed and held to what docs/deploy.md promises — base images pinned,
// a non-root user, only production dependencies, a HEALTHCHECK on a route the API really serves, and in compose:
// PostgreSQL, Redis, two API replicas behind a proxy that alone is published, migrations by a one-shot job only.
import { existsSync, readFileSync } from "node:fs";
import { BlockList } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startTestApi, type TestApi } from "./support/api.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

// ------------------------------------------------------------------------------------------------------ Dockerfile
interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Instructions with line continuations joined and comments dropped (Docker's own rules for both). */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let current = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (/^\s*#/.test(line)) return; // a comment, also between continued lines
    if (current === "") start = i + 1;
    if (/\\\s*$/.test(line)) {
      current += `${line.replace(/\\\s*$/, "")} `;
      return;
    }
    current += line;
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(current);
    if (match) instructions.push({ keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim(), line: start });
    current = "";
  });
  return instructions;
}

/** An image reference pinned to a digest, or to an exact version (major.minor.patch; major.minor for PostgreSQL). */
function isPinned(reference: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return true;
  const [, name = "", tag = ""] = /^([^:@]+)(?::([^@]+))?$/.exec(reference) ?? [];
  const parts = /^postgres$|\/postgres$/.test(name) ? 2 : 3;
  return new RegExp(`^\\d+(\\.\\d+){${parts - 1}}(-[a-z0-9][a-z0-9.-]*)?$`).test(tag);
}

/** The exec form's JSON array, or the shell form as one string. */
const execForm = (args: string): string[] => (args.startsWith("[") ? (JSON.parse(args) as string[]) : [args]);

describe("Dockerfile", () => {
  const instructions = parseDockerfile(read("Dockerfile"));
  const stages: { from: string; name: string | null; body: Instruction[] }[] = [];
  for (const i of instructions) {
    if (i.keyword === "FROM") {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      stages.push({ from: words[0] as string, name: words[1]?.toLowerCase() === "as" ? (words[2] ?? null) : null, body: [] });
    } else stages.at(-1)?.body.push(i);
  }
  const runtime = stages.at(-1);

  it("is multi-stage, every base image pinned to an exact version or a digest", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const names = new Set(stages.map((s) => s.name));
    const external = stages.map((s) => s.from).filter((from) => !names.has(from));
    expect(external.length).toBeGreaterThan(0);
    expect(external.filter((from) => !isPinned(from))).toEqual([]);
    expect(instructions.some((i) => i.keyword === "ARG" && /image/i.test(i.args))).toBe(false); // no FROM ${…} to dodge the pin
  });

  it("runs as a user that is not root", () => {
    const users = (runtime?.body ?? []).filter((i) => i.keyword === "USER").map((i) => i.args.split(":")[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
    // Nothing after the last USER switches back or runs as root.
    const last = (runtime?.body ?? []).findLastIndex((i) => i.keyword === "USER");
    expect((runtime?.body ?? []).slice(last).filter((i) => i.keyword === "RUN")).toEqual([]);
  });

  it("ships the built API with production dependencies only, and the console's static files when they exist", () => {
    const runs = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(runs.some((r) => /pnpm install .*--frozen-lockfile/.test(r))).toBe(true);
    expect(runs.some((r) => /pnpm build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /pnpm --filter @mfa-chain\/api deploy --prod\b/.test(r))).toBe(true);
    expect(runs.some((r) => /apps\/admin\/dist/.test(r))).toBe(true);
    // The runtime stage takes only the deployed folder from the build, no sources, no dev dependencies.
    const copies = (runtime?.body ?? []).filter((i) => i.keyword === "COPY").map((i) => i.args);
    expect(copies).toEqual(["--from=build /out/ /app/"]);
    // What it starts is what the API package builds (tsup entries) and the files the app reads at run time.
    const pkg = JSON.parse(read("apps/api/package.json")) as { scripts: { build: string } };
    const command = execForm((runtime?.body ?? []).filter((i) => i.keyword === "CMD").at(-1)?.args ?? "[]");
    expect(command).toEqual(["node", "dist/main.js"]);
    expect(pkg.scripts.build).toMatch(/\bsrc\/main\.ts\b/);
    expect(pkg.scripts.build).toMatch(/\bsrc\/cli\.ts\b/);
    expect(existsSync(join(root, "apps/api/public"))).toBe(true);
    // The build context keeps local node_modules, builds and data out.
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", ".data", ".git"]));
  });

  describe("HEALTHCHECK", () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi(null);
    });
    afterAll(async () => {
      await api?.close();
    });

    it("asks the API for a route it serves", async () => {
      const check = (runtime?.body ?? []).filter((i) => i.keyword === "HEALTHCHECK");
      expect(check).toHaveLength(1);
      const url = /http:\/\/127\.0\.0\.1:[^/]*(\/[a-z/]+)/.exec(check[0]?.args ?? "");
      expect(url?.[1]).toBe("/healthz");
      const res = await fetch(`${api.url}${url?.[1]}`);
      expect(res.status).toBe(200);
      // The port it asks is the one the image listens on.
      expect((runtime?.body ?? []).some((i) => i.keyword === "ENV" && /\bPORT=3000\b/.test(i.args))).toBe(true);
      expect((runtime?.body ?? []).some((i) => i.keyword === "EXPOSE" && i.args === "3000")).toBe(true);
    });
  });
});

// -------------------------------------------------------------------------------------------------- compose.yaml
interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  restart?: string;
  stop_grace_period?: string;
  user?: string;
  healthcheck?: unknown;
  networks?: Record<string, { ipv4_address?: string }> | string[];
  volumes?: string[];
}

describe("compose.yaml", () => {
  const compose = parseYaml(read("compose.yaml"), { merge: true }) as {
    services: Record<string, Service>;
    networks?: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
  };
  const services = Object.entries(compose.services);
  const built = services.filter(([, s]) => s.build !== undefined);
  const command = (s: Service) => (Array.isArray(s.command) ? s.command.join(" ") : (s.command ?? ""));
  const migrate = built.filter(([, s]) => /\bdist\/cli\.js migrate$/.test(command(s)));
  const replicas = built.filter(([, s]) => s.command === undefined);
  const byImage = (pattern: RegExp) => services.filter(([, s]) => pattern.test(s.image ?? ""));

  it("has PostgreSQL, Redis, two API replicas of this repository's image and a proxy, every other image pinned", () => {
    expect(byImage(/^postgres:/)).toHaveLength(1);
    expect(byImage(/^redis:/)).toHaveLength(1);
    expect(replicas.map(([name]) => name)).toHaveLength(2);
    expect(byImage(/^(nginx|haproxy|caddy|traefik):/)).toHaveLength(1);
    for (const [, s] of built) expect(s.build).toEqual({ context: ".", dockerfile: "Dockerfile" });
    expect(services.filter(([, s]) => s.build === undefined && !isPinned(s.image ?? "")).map(([name]) => name)).toEqual([]);
  });

  it("migrates once, by a job the replicas wait for; no replica migrates on start", () => {
    expect(migrate).toHaveLength(1);
    const [jobName, job] = migrate[0] as [string, Service];
    expect(job.restart).toBe("no");
    expect(job.depends_on?.postgres?.condition).toBe("service_healthy");
    for (const [, s] of replicas) {
      expect(s.environment?.MFA_MIGRATE_ON_START).toBe("false");
      expect(s.depends_on?.[jobName]?.condition).toBe("service_completed_successfully");
      expect(s.restart).toBe("unless-stopped");
      // Docker's kill comes after the API's own shutdown grace (SHUTDOWN_GRACE_SECONDS, 20 s by default).
      expect(Number(/^(\d+)s$/.exec(s.stop_grace_period ?? "")?.[1])).toBeGreaterThan(20);
    }
  });

  it("shares state through PostgreSQL and Redis, and keeps the secret key out of the file", () => {
    for (const [, s] of [...replicas, ...migrate]) {
      expect(s.environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(s.environment?.DATABASE_URL).toContain("${POSTGRES_PASSWORD:?");
      expect(s.environment?.MFA_SECRET_KEYS).toMatch(/^\$\{MFA_SECRET_KEYS:\?/);
    }
    for (const [, s] of replicas) expect(s.environment?.REDIS_URL).toBe("redis://redis:6379");
  });

  it("publishes the proxy only; the proxy sends to both replicas, and is the one address whose X-Forwarded-For is believed", () => {
    const [proxyName, proxy] = byImage(/^(nginx|haproxy|caddy|traefik):/)[0] as [string, Service];
    expect(services.filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name)).toEqual([proxyName]);
    const address = (proxy.networks as Record<string, { ipv4_address?: string }>).backend?.ipv4_address ?? "";
    const subnet = compose.networks?.backend?.ipam?.config?.[0]?.subnet ?? "";
    const [net, bits] = subnet.split("/");
    const range = new BlockList();
    range.addSubnet(net as string, Number(bits));
    expect(range.check(address)).toBe(true);
    for (const [, s] of replicas) expect(s.environment?.TRUSTED_PROXIES).toBe(address);
    const mount = (proxy.volumes ?? []).find((v) => v.endsWith(":ro"))?.split(":")[0] ?? "";
    const config = read(mount.replace(/^\.\//, ""));
    for (const [name] of replicas) expect(config).toMatch(new RegExp(`server ${name}:3000\\b`));
    // The proxy replaces X-Forwarded-For with the peer's address rather than passing on what the client sent.
    expect(config).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(config).not.toMatch(/non_idempotent/);
  });
});
