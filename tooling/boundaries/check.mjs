#!/usr/bin/env node
// pnpm check:boundaries — the architecture check of mfa-chain.
//
//   node tooling/boundaries/check.mjs [rootDir]      (rootDir defaults to the repository root)
//
// 1. File level: dependency-cruiser over packages/ apps/ tooling/ with ./dependency-cruiser.config.cjs.
//    Workspace packages resolve to their sources through the "@mfa-chain/source" export condition; a workspace
//    package that is not (yet) linked into the importer's node_modules still resolves (through a temporary folder
//    of links), so a direction rule cannot be dodged by a missing `pnpm install` — it is then also reported as
//    undeclared-workspace-dependency.
// 2. Package level: the package.json dependency fields of every workspace package (./package-rules.mjs).
//
// Prints every violation as "rule: from → to" and exits 1 if there is any (2 if the check itself failed).
import { existsSync, mkdtempSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { checkPackageJsons, readWorkspace } from "./package-rules.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIG = join(HERE, "dependency-cruiser.config.cjs");
const SCAN = ["packages", "apps", "tooling"];

/** The workspace package (from readWorkspace) a repo-relative file belongs to, if it has a package.json. */
function owningPackage(workspace, file) {
  const m = /^(packages|apps|tooling)\/([^/]+)\//.exec(file);
  return m ? workspace.byFolder.get(`${m[1]}/${m[2]}`) : undefined;
}

/** "@scope/name/deep/path" → "@scope/name"; "name/x" → "name". */
function packageNameOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** A folder with one link per workspace package name, used as the last module folder for resolution. */
function makeWorkspaceLinkFarm(workspace) {
  const farm = mkdtempSync(join(tmpdir(), "mfa-boundaries-"));
  for (const pkg of workspace.packages) {
    if (!pkg.name) continue;
    const link = join(farm, ...pkg.name.split("/"));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(pkg.absDir, link, "dir");
  }
  return farm;
}

async function runDependencyCruiser(root, workspace) {
  const options = await extractDepcruiseOptions(CONFIG);
  const tsConfigFile = join(root, options.tsConfig?.fileName ?? "tsconfig.base.json");
  let tsConfig;
  if (existsSync(tsConfigFile)) {
    options.tsConfig = { fileName: tsConfigFile };
    tsConfig = extractTSConfig(tsConfigFile);
  } else {
    delete options.tsConfig;
  }
  options.outputType = "json";

  const farm = makeWorkspaceLinkFarm(workspace);
  try {
    const targets = SCAN.filter((dir) => existsSync(join(root, dir)));
    const { output } = await cruise(targets, options, { modules: ["node_modules", "node_modules/@types", farm] }, { tsConfig });
    return typeof output === "string" ? JSON.parse(output) : output;
  } finally {
    rmSync(farm, { recursive: true, force: true });
  }
}

/** How a dependency is shown: the specifier for builtins and npm packages, the file for workspace sources. */
function describeTarget(dep, resolved) {
  if (!dep) return resolved;
  if (dep.coreModule) return `${dep.protocol ?? ""}${dep.module}`;
  if (dep.couldNotResolve || /(^|\/)node_modules\//.test(dep.resolved)) return dep.module;
  return dep.module.startsWith(".") ? dep.resolved : `${dep.resolved} (${dep.module})`;
}

function fileViolations(result, workspace) {
  const modules = new Map(result.modules.map((m) => [m.source, m]));
  const findDep = (from, to) => modules.get(from)?.dependencies.find((d) => d.resolved === to);
  const violations = (result.summary.violations ?? [])
    .filter((v) => v.rule.severity === "error" || v.rule.severity === "warn")
    .map((v) => ({
      rule: v.rule.name,
      from: v.from,
      to: describeTarget(findDep(v.from, v.to), v.to),
      detail: v.cycle ? `cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(" → ")}` : undefined,
    }));

  // A workspace import must be declared in the importer's package.json (the link farm resolves it either way).
  for (const mod of result.modules) {
    const owner = owningPackage(workspace, mod.source);
    const folderMatch = /^(packages|apps|tooling)\/([^/]+)\//.exec(mod.source);
    if (!folderMatch) continue;
    for (const dep of mod.dependencies) {
      const target = workspace.byName.get(packageNameOf(dep.module));
      if (!target || dep.module.startsWith(".")) continue;
      if (owner && (owner.name === target.name || owner.allDeps.has(target.name))) continue;
      violations.push({
        rule: "undeclared-workspace-dependency",
        from: mod.source,
        to: dep.module,
        detail: owner ? `${target.name} is not in ${owner.folder}/package.json` : `${folderMatch[1]}/${folderMatch[2]} has no package.json`,
      });
    }
  }
  return violations;
}

const COMMENTS = new Map();

function print(violations, stats) {
  if (violations.length === 0) {
    console.log(`✔ boundaries: no violations (${stats})`);
    return;
  }
  const byRule = new Map();
  for (const v of violations) {
    if (!byRule.has(v.rule)) byRule.set(v.rule, []);
    byRule.get(v.rule).push(v);
  }
  for (const [rule, list] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
    const comment = COMMENTS.get(rule);
    console.error(`\n✖ ${rule}${comment ? ` — ${comment}` : ""}`);
    for (const v of list) {
      console.error(`    ${rule}: ${v.from} → ${v.to}${v.detail ? `   (${v.detail})` : ""}`);
    }
  }
  console.error(`\n✖ boundaries: ${violations.length} violation(s) of ${byRule.size} rule(s) (${stats})`);
}

async function main() {
  const started = Date.now();
  const root = resolve(process.argv[2] ?? join(HERE, "..", ".."));
  if (!existsSync(join(root, "package.json"))) {
    console.error(`check-boundaries: ${root} is not a repository root (no package.json)`);
    return 2;
  }
  process.chdir(root);

  const config = (await import(pathToFileURL(CONFIG).href)).default;
  for (const rule of config.forbidden) COMMENTS.set(rule.name, rule.comment);

  const workspace = readWorkspace(root);
  const result = await runDependencyCruiser(root, workspace);
  const pkgViolations = checkPackageJsons(workspace);
  for (const [name, comment] of pkgViolations.comments) COMMENTS.set(name, comment);
  COMMENTS.set("undeclared-workspace-dependency", "a workspace package imported by a file must be declared in its package's package.json");

  const violations = [...fileViolations(result, workspace), ...pkgViolations.violations];
  const stats =
    `${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised} dependencies, ` +
    `${workspace.packages.length} package.json files, ${((Date.now() - started) / 1000).toFixed(1)} s`;
  print(violations, stats);
  return violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error("check-boundaries: the check itself failed:");
    console.error(error);
    process.exitCode = 2;
  },
);
