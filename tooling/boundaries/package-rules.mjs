// Package-level architecture rules: what a workspace package may declare in its package.json.
// Same direction rules as the file level (dependency-cruiser.config.cjs), applied to the dependency fields,
// so a forbidden edge fails even before any file imports it.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const SCAN = ["packages", "apps", "tooling"];
const RUNTIME_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies"];
const ALL_FIELDS = [...RUNTIME_FIELDS, "devDependencies"];

/** The role of a workspace folder: decided by where it lives, never by a fixed list of adapters. */
export function roleOf(folder) {
  const [base, name] = folder.split("/");
  if (base === "apps") return "app";
  if (base === "tooling") return "tooling";
  if (name === "domain" || name === "application" || name === "orchestrator" || name === "totp") return name;
  return "adapter";
}

const isAdapter = (role) => role === "adapter" || role === "totp" || role === "orchestrator";
const inPackagesOrApps = (role) => role !== "tooling";

export function readWorkspace(root) {
  const packages = [];
  for (const base of SCAN) {
    const baseDir = join(root, base);
    if (!existsSync(baseDir)) continue;
    for (const entry of readdirSync(baseDir).sort()) {
      const absDir = join(baseDir, entry);
      if (entry === "node_modules" || entry.startsWith(".") || !statSync(absDir).isDirectory()) continue;
      const folder = `${base}/${entry}`;
      const manifest = join(absDir, "package.json");
      if (!existsSync(manifest)) continue;
      let json;
      try {
        json = JSON.parse(readFileSync(manifest, "utf8"));
      } catch (error) {
        throw new Error(`${folder}/package.json is not valid JSON: ${error.message}`);
      }
      const allDeps = new Set(ALL_FIELDS.flatMap((field) => Object.keys(json[field] ?? {})));
      packages.push({ folder, absDir, name: json.name, role: roleOf(folder), json, allDeps });
    }
  }
  return {
    packages,
    byName: new Map(packages.filter((p) => p.name).map((p) => [p.name, p])),
    byFolder: new Map(packages.map((p) => [p.folder, p])),
  };
}

const COMMENTS = {
  "pkg-domain-no-dependencies": "domain declares no runtime dependency at all (no npm, no workspace package)",
  "pkg-domain-no-workspace": "domain depends on no other workspace package (tooling/* as a devDependency only)",
  "pkg-application-only-domain": "application depends on @mfa-chain/domain only",
  "pkg-adapter-no-other-adapter": "an adapter never depends on another adapter",
  "pkg-totp-standalone": "@mfa-chain/totp needs no other workspace package at run time",
  "pkg-orchestrator-composition": "orchestrator may depend on domain, application and @mfa-chain/totp only",
  "pkg-no-orchestrator": "nothing depends on @mfa-chain/orchestrator",
  "pkg-no-app": "no package and no tooling depends on an app",
  "pkg-app-no-other-app": "apps do not depend on each other",
  "pkg-no-tooling-at-runtime": "tooling/* is for tests and builds: a devDependency only",
  "pkg-unknown-workspace-dependency": "a workspace: dependency names no package of this workspace",
  "pkg-no-cycle": "no dependency cycles between workspace packages (runtime dependency fields)",
};

/** Runs every package-level rule; returns the violations and the rule comments. */
export function checkPackageJsons(workspace) {
  const violations = [];
  const add = (rule, pkg, to, field) =>
    violations.push({ rule, from: `${pkg.folder}/package.json`, to, detail: `${pkg.name ?? "(no name)"} ${field}` });

  for (const pkg of workspace.packages) {
    for (const field of ALL_FIELDS) {
      const runtime = RUNTIME_FIELDS.includes(field);
      for (const [dep, spec] of Object.entries(pkg.json[field] ?? {})) {
        const target = workspace.byName.get(dep);
        if (!target) {
          if (String(spec).startsWith("workspace:")) add("pkg-unknown-workspace-dependency", pkg, dep, field);
          if (pkg.role === "domain" && runtime) add("pkg-domain-no-dependencies", pkg, dep, field);
          if (pkg.role === "application" && runtime) add("pkg-application-only-domain", pkg, dep, field);
          continue;
        }
        if (target === pkg) continue;
        const to = `${dep} (${target.folder})`;

        if (target.role === "app") {
          add(pkg.role === "app" ? "pkg-app-no-other-app" : "pkg-no-app", pkg, to, field);
        }
        if (target.role === "orchestrator") add("pkg-no-orchestrator", pkg, to, field);
        if (target.role === "tooling" && runtime && inPackagesOrApps(pkg.role)) {
          add("pkg-no-tooling-at-runtime", pkg, to, field);
        }

        switch (pkg.role) {
          case "domain":
            if (runtime) add("pkg-domain-no-dependencies", pkg, to, field);
            else if (target.role !== "tooling") add("pkg-domain-no-workspace", pkg, to, field);
            break;
          case "application":
            if (runtime ? target.role !== "domain" : target.role !== "domain" && target.role !== "tooling") {
              add("pkg-application-only-domain", pkg, to, field);
            }
            break;
          case "totp":
            if (runtime) add("pkg-totp-standalone", pkg, to, field);
            break;
          default:
            break;
        }
        if ((pkg.role === "adapter" || pkg.role === "totp") && isAdapter(target.role) && target.role !== "orchestrator") {
          add("pkg-adapter-no-other-adapter", pkg, to, field);
        }
        if (pkg.role === "orchestrator" && isAdapter(target.role) && target.role !== "totp") {
          add("pkg-orchestrator-composition", pkg, to, field);
        }
      }
    }
  }

  for (const cycle of packageCycles(workspace)) {
    const [first, second] = cycle;
    violations.push({
      rule: "pkg-no-cycle",
      from: `${first.folder}/package.json`,
      to: `${second.name} (${second.folder})`,
      detail: `cycle: ${[...cycle, first].map((p) => p.name).join(" → ")}`,
    });
  }

  return { violations, comments: new Map(Object.entries(COMMENTS)) };
}

/** One cycle per strongly connected component of the runtime dependency graph (Tarjan). */
function packageCycles(workspace) {
  const edges = new Map(
    workspace.packages.map((p) => [
      p,
      RUNTIME_FIELDS.flatMap((f) => Object.keys(p.json[f] ?? {}))
        .map((name) => workspace.byName.get(name))
        .filter(Boolean),
    ]),
  );
  let index = 0;
  const stack = [];
  const meta = new Map();
  const cycles = [];

  const strongConnect = (v) => {
    meta.set(v, { index, low: index, onStack: true });
    index += 1;
    stack.push(v);
    for (const w of edges.get(v)) {
      if (!meta.has(w)) {
        strongConnect(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) {
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
      }
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(orderAlongEdges(component, edges));
      else if (edges.get(v).includes(v)) cycles.push([v]);
    }
  };
  for (const p of workspace.packages) if (!meta.has(p)) strongConnect(p);
  return cycles;
}

/** The shortest cycle through a strongly connected component, starting (and implicitly ending) at one member. */
function orderAlongEdges(component, edges) {
  const members = new Set(component);
  const start = component[component.length - 1];
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift();
    for (const next of edges.get(current)) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [current];
        while (path[0] !== start) path.unshift(previous.get(path[0]));
        return path;
      }
      if (!previous.has(next)) {
        previous.set(next, current);
        queue.push(next);
      }
    }
  }
  return component;
}
