// File-level architecture rules of mfa-chain (see /ARCHITECTURE.md "Direction rules" and ./README.md).
//
// Rules are written by ROLE, not by a list of packages:
//   packages/domain          pure model
//   packages/application     use cases + ports
//   packages/<anything else> adapter (packages/orchestrator is the declared composition exception)
//   apps/<name>              composition roots
//   tooling/<name>           test/build helpers
//
// Paths are relative to the repository root (check.mjs runs the cruise from there). Workspace packages
// resolve to their TypeScript sources through the "@mfa-chain/source" export condition, so an import of
// "@mfa-chain/domain" is seen as packages/domain/src/index.ts, and a deep import that the package's
// "exports" map does not expose does not resolve at all (-> no-deep-import).
//
// Run it through `pnpm check:boundaries` (tooling/boundaries/check.mjs), which also checks package.json
// dependencies and resolves workspace packages that are not linked into node_modules yet.

/** Files that only run in tests or builds: they may use devDependencies, node:* and tooling/*. */
const DEV_FILE = [
  "(^|/)(test|tests|__tests__|__mocks__|bench)/",
  "\\.(test|spec|bench|test-d)\\.[cm]?[jt]sx?$",
  "^(packages|apps|tooling)/[^/]+/[^/]+\\.config\\.[cm]?[jt]s$",
];
/** A file inside a workspace package (not something installed into its node_modules). */
const WORKSPACE_FILE = "^(packages|apps|tooling)/[^/]+/(?!.*node_modules/)";
/** Unresolved relative imports are reported by no-unresolvable, not as npm packages (a path into a
 *  node_modules folder outside the root, e.g. a package store, still counts as npm). */
const RELATIVE = "^\\.{1,2}/(?!.*node_modules/)";

const DOMAIN = "^packages/domain/";
const APPLICATION = "^packages/application/";
const ORCHESTRATOR = "^packages/orchestrator/";
const TOTP = "^packages/totp/";
const NOT_ADAPTER = "^packages/(domain|application)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ── 1. domain is pure ────────────────────────────────────────────────────────────────────────
    {
      name: "domain-no-node-builtins",
      comment: "domain is pure: no node:* / built-in modules (time, randomness, crypto come in through ports)",
      severity: "error",
      from: { path: DOMAIN, pathNot: DEV_FILE },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "domain-no-npm",
      comment: "domain is pure: no npm packages",
      severity: "error",
      from: { path: DOMAIN, pathNot: DEV_FILE },
      to: { dependencyTypesNot: ["core"], pathNot: [WORKSPACE_FILE, RELATIVE] },
    },
    {
      name: "domain-no-workspace",
      comment: "domain imports nothing outside itself: no other workspace package",
      severity: "error",
      from: { path: DOMAIN },
      to: { path: "^(packages|apps)/", pathNot: DOMAIN },
    },

    // ── 2. application imports domain only ───────────────────────────────────────────────────────
    {
      name: "application-no-node-builtins",
      comment: "application: no node:* / built-in modules (time, randomness, crypto arrive through ports)",
      severity: "error",
      from: { path: APPLICATION, pathNot: DEV_FILE },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "application-no-npm",
      comment: "application imports @mfa-chain/domain only: no npm packages",
      severity: "error",
      from: { path: APPLICATION, pathNot: DEV_FILE },
      to: { dependencyTypesNot: ["core"], pathNot: [WORKSPACE_FILE, RELATIVE] },
    },
    {
      name: "application-only-domain",
      comment: "application imports @mfa-chain/domain only: no adapter, no app",
      severity: "error",
      from: { path: APPLICATION },
      to: { path: "^(packages|apps)/", pathNot: "^packages/(domain|application)/" },
    },

    // ── 3. adapters: domain/application + their own libraries, never another adapter ────────────
    {
      name: "adapter-no-other-adapter",
      comment: "an adapter imports application/domain and its own npm libraries, never another adapter",
      severity: "error",
      from: { path: "^packages/([^/]+)/", pathNot: ["^packages/(domain|application|orchestrator)/"] },
      to: { path: "^packages/[^/]+/", pathNot: ["^packages/(domain|application|$1)/"] },
    },
    {
      name: "totp-standalone",
      comment: "packages/totp is used on its own: its source imports no workspace package at all",
      severity: "error",
      from: { path: TOTP, pathNot: DEV_FILE },
      to: { path: "^(packages|apps|tooling)/[^/]+/", pathNot: TOTP },
    },
    {
      name: "orchestrator-composition",
      comment: "packages/orchestrator (library composition facade) may import domain, application and @mfa-chain/totp only",
      severity: "error",
      from: { path: ORCHESTRATOR },
      to: { path: "^packages/", pathNot: "^packages/(domain|application|totp|orchestrator)/" },
    },
    {
      name: "no-import-orchestrator",
      comment: "nothing imports packages/orchestrator (it is a published facade, the top of its own graph)",
      severity: "error",
      from: { pathNot: ORCHESTRATOR },
      to: { path: ORCHESTRATOR },
    },

    // ── 4. apps are composition roots ────────────────────────────────────────────────────────────
    {
      name: "no-import-app",
      comment: "no package and no tooling file imports an app (apps are composition roots)",
      severity: "error",
      from: { pathNot: "^apps/" },
      to: { path: "^apps/" },
    },
    {
      name: "app-no-other-app",
      comment: "apps do not import each other",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },

    // ── 5. tooling is for tests and builds ───────────────────────────────────────────────────────
    {
      name: "no-tooling-in-source",
      comment: "package/app source must not import tooling/* (test helpers); only test and config files may",
      severity: "error",
      from: { path: "^(packages|apps)/", pathNot: DEV_FILE },
      to: { path: "^tooling/" },
    },

    // ── 6. hygiene that keeps the rules above honest ─────────────────────────────────────────────
    {
      name: "no-circular",
      comment: "no import cycles between files (type-only imports included)",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-deep-import",
      comment: "a workspace package is imported through its public entry (package.json exports) only; this path is not exported",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, path: "^@mfa-chain/[^/]+/" },
    },
    {
      name: "no-cross-package-relative",
      comment: "reach another workspace package by its package name, never by a relative path into its folder",
      severity: "error",
      from: { path: "^(packages|apps|tooling)/([^/]+)/" },
      to: { path: "^(packages|apps|tooling)/", pathNot: "^$1/$2/", dependencyTypes: ["local"] },
    },
    {
      name: "no-unresolvable",
      comment: "an import that does not resolve cannot be checked (missing dependency, typo, or not installed)",
      severity: "error",
      from: { pathNot: "^apps/admin/" },
      to: { couldNotResolve: true, pathNot: "^@mfa-chain/[^/]+/" },
    },
    {
      name: "no-unresolvable",
      comment:
        "an import that does not resolve cannot be checked; the console's API document and its types are generated at build (apps/admin api-types) and may not exist yet",
      severity: "error",
      from: { path: "^apps/admin/" },
      to: { couldNotResolve: true, pathNot: "^@mfa-chain/[^/]+/|^\\./(api/)?(schema|openapi\\.json)$" },
    },
    {
      name: "no-undeclared-npm",
      comment: "an npm package must be declared in the importing package's own package.json",
      severity: "error",
      from: { path: WORKSPACE_FILE },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "no-dev-dependency-in-source",
      comment: "package/app source must not import a devDependency (it is not installed for consumers)",
      severity: "error",
      from: { path: "^(packages|apps)/", pathNot: DEV_FILE },
      to: { dependencyTypes: ["npm-dev"] },
    },
  ],
  options: {
    // node_modules is looked at (to classify npm imports) but never walked into; build output is ignored.
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(packages|apps|tooling)/[^/]+/(dist|coverage|\\.turbo)/" },
    // see type-only imports too: "domain stays pure" holds for types as well
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    // per-package package.json decides npm / npm-dev / npm-no-pkg
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["@mfa-chain/source", "import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".tsx", ".d.ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx", ".json"],
    },
    skipAnalysisNotInRules: true,
  },
};
