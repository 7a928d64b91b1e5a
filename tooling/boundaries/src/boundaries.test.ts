// Proves that `pnpm check:boundaries` can fail: every case copies the repository (sources only) to a temp
// folder, plants one forbidden import or dependency, runs the REAL check (tooling/boundaries/check.mjs with
// its real dependency-cruiser config) on the copy and expects it to fail naming the rule and the edge.
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const REPO = realpathSync(fileURLToPath(new URL("../../..", import.meta.url)));
const CHECK = join(REPO, "tooling", "boundaries", "check.mjs");
const SKIP = new Set(["node_modules", "dist", "coverage", ".turbo", ".data", ".tmp", "test-results"]);
const ROOT_FILES = ["package.json", "tsconfig.base.json", "pnpm-workspace.yaml", "turbo.json"];

interface CheckRun {
  code: number;
  output: string;
}

function runCheck(root: string): Promise<CheckRun> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [CHECK, root], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolvePromise({ code, output: `${stdout}${stderr}` });
    });
  });
}

const fixtures: string[] = [];
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
});

/** Links one real node_modules folder into the copy: workspace links point into the copy, npm links to the store. */
function linkNodeModules(realNodeModules: string, copyNodeModules: string): void {
  mkdirSync(copyNodeModules, { recursive: true });
  for (const entry of readdirSync(realNodeModules)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      linkNodeModules(join(realNodeModules, entry), join(copyNodeModules, entry));
      continue;
    }
    let real: string;
    try {
      real = realpathSync(join(realNodeModules, entry));
    } catch {
      continue; // dangling link
    }
    const insideWorkspace = real.startsWith(REPO + sep) && !real.startsWith(join(REPO, "node_modules") + sep);
    symlinkSync(insideWorkspace ? join(fixtureRootOf(copyNodeModules), relative(REPO, real)) : real, join(copyNodeModules, entry));
  }
}

function fixtureRootOf(copyNodeModules: string): string {
  const root = fixtures.find((dir) => copyNodeModules.startsWith(dir + sep));
  if (!root) throw new Error(`not inside a fixture: ${copyNodeModules}`);
  return root;
}

/** A copy of the repository's sources (packages/ apps/ tooling/ + root config) with working node_modules links. */
function copyRepo(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "mfa-boundaries-test-")));
  fixtures.push(root);
  for (const file of ROOT_FILES) {
    if (existsSync(join(REPO, file))) cpSync(join(REPO, file), join(root, file));
  }
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
  for (const base of ["packages", "apps", "tooling"]) {
    if (!existsSync(join(REPO, base))) continue;
    cpSync(join(REPO, base), join(root, base), {
      recursive: true,
      filter: (source) => !SKIP.has(basename(source)),
    });
    for (const entry of readdirSync(join(REPO, base))) {
      const realNodeModules = join(REPO, base, entry, "node_modules");
      if (existsSync(realNodeModules)) linkNodeModules(realNodeModules, join(root, base, entry, "node_modules"));
    }
  }
  return root;
}

function write(root: string, file: string, content: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), content);
}

/** Makes sure a package entry exists in the copy (some packages are still being written). */
function ensure(root: string, file: string, content = "export const stub = 1;\n"): void {
  if (!existsSync(join(root, file))) write(root, file, content);
}

function editPackageJson(root: string, folder: string, edit: (json: Record<string, Record<string, string>>) => void): void {
  const file = join(root, folder, "package.json");
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, string>>;
  edit(json);
  writeFileSync(file, JSON.stringify(json, null, 2));
}

const addDependency = (field: string, name: string, spec: string) => (json: Record<string, Record<string, string>>) => {
  json[field] = { ...(json[field] ?? {}), [name]: spec };
};

interface Expected {
  rule: string;
  from: string | RegExp;
  to: string | RegExp;
}

const VIOLATION_LINE = /^(\S+): (.+?) → (.+)$/;
const matches = (actual: string, wanted: string | RegExp, prefix: boolean): boolean =>
  typeof wanted === "string" ? (prefix ? actual.startsWith(wanted) : actual === wanted) : wanted.test(actual);

function expectViolations(run: CheckRun, expected: Expected[]): void {
  expect(run.code, run.output).toBe(1);
  const violations = run.output
    .split("\n")
    .map((line) => VIOLATION_LINE.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, rule, from, to]) => ({ rule: rule ?? "", from: from ?? "", to: to ?? "" }));
  for (const want of expected) {
    const hit = violations.some((v) => v.rule === want.rule && matches(v.from, want.from, false) && matches(v.to, want.to, true));
    expect(hit, `expected "${want.rule}: ${String(want.from)} → ${String(want.to)}" in:\n${run.output}`).toBe(true);
  }
}

function expectNotFlagged(run: CheckRun, file: string): void {
  const flagged = run.output.split("\n").filter((line) => line.includes(file));
  expect(flagged, run.output).toEqual([]);
}

const violationLines = (output: string): string[] =>
  output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => VIOLATION_LINE.test(line) && !line.startsWith("✖"))
    .sort();

describe("check:boundaries on the real repository", () => {
  it("passes (no violation in packages/, apps/, tooling/)", async () => {
    const run = await runCheck(REPO);
    expect(run.output).toContain("boundaries:");
    expect(run.code, run.output).toBe(0);
  });

  it("sees the same on an untouched temp copy (the fixtures below are faithful)", async () => {
    const [real, copy] = await Promise.all([runCheck(REPO), runCheck(copyRepo())]);
    expect(copy.code).toBe(real.code);
    expect(violationLines(copy.output)).toEqual(violationLines(real.output));
  });
});

interface PlantedCase {
  name: string;
  plant: (root: string) => void;
  expected: Expected[];
}

const DOMAIN_PLANT = "packages/domain/src/__planted__.ts";
const APPLICATION_PLANT = "packages/application/src/__planted__.ts";

const cases: PlantedCase[] = [
  {
    name: "domain → npm package (zod)",
    plant: (root) => write(root, DOMAIN_PLANT, `import { z } from "zod";\nexport const planted = z;\n`),
    expected: [{ rule: "domain-no-npm", from: DOMAIN_PLANT, to: "zod" }],
  },
  {
    name: "domain → installed npm package (fast-check, a devDependency) from source",
    plant: (root) => write(root, DOMAIN_PLANT, `import fc from "fast-check";\nexport const planted = fc;\n`),
    expected: [
      { rule: "domain-no-npm", from: DOMAIN_PLANT, to: "fast-check" },
      { rule: "no-dev-dependency-in-source", from: DOMAIN_PLANT, to: "fast-check" },
    ],
  },
  {
    name: "domain → node:crypto",
    plant: (root) => write(root, DOMAIN_PLANT, `import { randomBytes } from "node:crypto";\nexport const planted = randomBytes;\n`),
    expected: [{ rule: "domain-no-node-builtins", from: DOMAIN_PLANT, to: "node:crypto" }],
  },
  {
    name: "domain → bare builtin (crypto)",
    plant: (root) => write(root, DOMAIN_PLANT, `import { randomBytes } from "crypto";\nexport const planted = randomBytes;\n`),
    expected: [{ rule: "domain-no-node-builtins", from: DOMAIN_PLANT, to: "crypto" }],
  },
  {
    name: "domain → @mfa-chain/application",
    plant: (root) =>
      write(root, DOMAIN_PLANT, `import * as application from "@mfa-chain/application";\nexport const planted = application;\n`),
    expected: [{ rule: "domain-no-workspace", from: DOMAIN_PLANT, to: "packages/application/src/index.ts" }],
  },
  {
    name: "application → npm package (zod, not installed; fast-check, installed)",
    plant: (root) =>
      write(root, APPLICATION_PLANT, `import { z } from "zod";\nimport fc from "fast-check";\nexport const planted = [z, fc];\n`),
    expected: [
      { rule: "application-no-npm", from: APPLICATION_PLANT, to: "zod" },
      { rule: "application-no-npm", from: APPLICATION_PLANT, to: "fast-check" },
    ],
  },
  {
    name: "application → node:crypto",
    plant: (root) => write(root, APPLICATION_PLANT, `import { createHash } from "node:crypto";\nexport const planted = createHash;\n`),
    expected: [{ rule: "application-no-node-builtins", from: APPLICATION_PLANT, to: "node:crypto" }],
  },
  {
    name: "application → adapter (@mfa-chain/totp)",
    plant: (root) => {
      ensure(root, "packages/totp/src/index.ts");
      write(root, APPLICATION_PLANT, `import * as totp from "@mfa-chain/totp";\nexport const planted = totp;\n`);
    },
    expected: [{ rule: "application-only-domain", from: APPLICATION_PLANT, to: "packages/totp/src/index.ts" }],
  },
  {
    name: "adapter → adapter (crypto → @mfa-chain/totp)",
    plant: (root) => {
      ensure(root, "packages/totp/src/index.ts");
      write(root, "packages/crypto/src/__planted__.ts", `import * as totp from "@mfa-chain/totp";\nexport const planted = totp;\n`);
    },
    expected: [{ rule: "adapter-no-other-adapter", from: "packages/crypto/src/__planted__.ts", to: "packages/totp/src/index.ts" }],
  },
  {
    name: "adapter → adapter from a new adapter folder (packages/webauthn → infra-postgres), by role",
    plant: (root) => {
      ensure(root, "packages/infra-postgres/src/index.ts");
      write(root, "packages/webauthn/src/index.ts", `import * as pg from "@mfa-chain/infra-postgres";\nexport const planted = pg;\n`);
    },
    expected: [
      {
        rule: "adapter-no-other-adapter",
        from: "packages/webauthn/src/index.ts",
        to: "packages/infra-postgres/src/index.ts",
      },
      { rule: "undeclared-workspace-dependency", from: "packages/webauthn/src/index.ts", to: "@mfa-chain/infra-postgres" },
    ],
  },
  {
    name: "adapter → app (crypto → apps/api), and tooling → app",
    plant: (root) => {
      ensure(root, "apps/api/src/config.ts");
      write(
        root,
        "packages/crypto/src/__planted__.ts",
        `import * as config from "../../../apps/api/src/config.js";\nexport const planted = config;\n`,
      );
      write(
        root,
        "tooling/testing/src/__planted__.ts",
        `import * as config from "../../../apps/api/src/config.js";\nexport const planted = config;\n`,
      );
    },
    expected: [
      { rule: "no-import-app", from: "packages/crypto/src/__planted__.ts", to: "apps/api/src/config.ts" },
      { rule: "no-cross-package-relative", from: "packages/crypto/src/__planted__.ts", to: "apps/api/src/config.ts" },
      { rule: "no-import-app", from: "tooling/testing/src/__planted__.ts", to: "apps/api/src/config.ts" },
    ],
  },
  {
    name: "package source → tooling (application src → @mfa-chain/testing)",
    plant: (root) => write(root, APPLICATION_PLANT, `import * as testing from "@mfa-chain/testing";\nexport const planted = testing;\n`),
    expected: [{ rule: "no-tooling-in-source", from: APPLICATION_PLANT, to: "tooling/testing/src/index.ts" }],
  },
  {
    name: "totp → any workspace package (@mfa-chain/domain)",
    plant: (root) =>
      write(
        root,
        "packages/totp/src/__planted__.ts",
        `import type { FactorType } from "@mfa-chain/domain";\nexport type Planted = FactorType;\n`,
      ),
    expected: [{ rule: "totp-standalone", from: "packages/totp/src/__planted__.ts", to: "packages/domain/src/index.ts" }],
  },
  {
    name: "orchestrator → an adapter other than totp (crypto)",
    plant: (root) => {
      ensure(root, "packages/crypto/src/index.ts");
      write(
        root,
        "packages/orchestrator/src/__planted__.ts",
        `import * as crypto from "@mfa-chain/crypto";\nexport const planted = crypto;\n`,
      );
    },
    expected: [{ rule: "orchestrator-composition", from: "packages/orchestrator/src/__planted__.ts", to: "packages/crypto/src/index.ts" }],
  },
  {
    name: "anything → orchestrator (apps/api → @mfa-chain/orchestrator)",
    plant: (root) => {
      ensure(root, "packages/orchestrator/src/index.ts");
      write(root, "apps/api/src/__planted__.ts", `import * as o from "@mfa-chain/orchestrator";\nexport const planted = o;\n`);
    },
    expected: [{ rule: "no-import-orchestrator", from: "apps/api/src/__planted__.ts", to: "packages/orchestrator/src/index.ts" }],
  },
  {
    name: "app → another app (apps/admin → apps/api)",
    plant: (root) => {
      ensure(root, "apps/api/src/config.ts");
      write(root, "apps/admin/src/__planted__.ts", `import * as api from "../../api/src/config.js";\nexport const planted = api;\n`);
    },
    expected: [{ rule: "app-no-other-app", from: "apps/admin/src/__planted__.ts", to: "apps/api/src/config.ts" }],
  },
  {
    name: "cross-package deep import of a non-exported path",
    plant: (root) =>
      write(root, APPLICATION_PLANT, `import * as deep from "@mfa-chain/domain/src/index.js";\nexport const planted = deep;\n`),
    expected: [{ rule: "no-deep-import", from: APPLICATION_PLANT, to: "@mfa-chain/domain/src/index.js" }],
  },
  {
    name: "file-level import cycle",
    plant: (root) => {
      write(root, "packages/domain/src/__cycle_a__.ts", `import { b } from "./__cycle_b__.js";\nexport const a = (): number => b() + 1;\n`);
      write(root, "packages/domain/src/__cycle_b__.ts", `import { a } from "./__cycle_a__.js";\nexport const b = (): number => a() - 1;\n`);
    },
    // dependency-cruiser reports a cycle once, on the edge it meets first
    expected: [
      { rule: "no-circular", from: /^packages\/domain\/src\/__cycle_[ab]__\.ts$/, to: /^packages\/domain\/src\/__cycle_[ab]__\.ts/ },
    ],
  },
  {
    name: "package.json dependencies against the direction",
    plant: (root) => {
      editPackageJson(root, "packages/domain", addDependency("dependencies", "zod", "catalog:"));
      editPackageJson(root, "packages/application", addDependency("dependencies", "@mfa-chain/totp", "workspace:*"));
      editPackageJson(root, "packages/crypto", addDependency("dependencies", "@mfa-chain/totp", "workspace:*"));
      editPackageJson(root, "packages/totp", addDependency("dependencies", "@mfa-chain/domain", "workspace:*"));
      editPackageJson(root, "packages/domain", addDependency("devDependencies", "@mfa-chain/api", "workspace:*"));
    },
    expected: [
      { rule: "pkg-domain-no-dependencies", from: "packages/domain/package.json", to: "zod" },
      { rule: "pkg-application-only-domain", from: "packages/application/package.json", to: "@mfa-chain/totp" },
      { rule: "pkg-adapter-no-other-adapter", from: "packages/crypto/package.json", to: "@mfa-chain/totp" },
      { rule: "pkg-totp-standalone", from: "packages/totp/package.json", to: "@mfa-chain/domain" },
      { rule: "pkg-no-app", from: "packages/domain/package.json", to: "@mfa-chain/api" },
    ],
  },
  {
    name: "package.json dependency cycle (domain ⇄ application)",
    plant: (root) => editPackageJson(root, "packages/domain", addDependency("dependencies", "@mfa-chain/application", "workspace:*")),
    expected: [
      { rule: "pkg-domain-no-dependencies", from: "packages/domain/package.json", to: "@mfa-chain/application" },
      { rule: "pkg-no-cycle", from: /^packages\/(domain|application)\/package\.json$/, to: /^@mfa-chain\/(domain|application) / },
    ],
  },
];

describe.concurrent("check:boundaries fails on a planted violation", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const root = copyRepo();
      c.plant(root);
      expectViolations(await runCheck(root), c.expected);
    });
  }
});

describe("check:boundaries allows what the rules allow", () => {
  it("test file → tooling/vitest/node:*, application test → its own testing module, orchestrator → totp + domain, app → adapters + application", async () => {
    const root = copyRepo();
    ensure(root, "packages/totp/src/index.ts");
    ensure(root, "packages/crypto/src/index.ts");
    const allowed = {
      "packages/infra-postgres/src/__planted__.test.ts": `import { createHash } from "node:crypto";\nimport { it } from "vitest";\nimport * as testing from "@mfa-chain/testing";\nit("x", () => void [createHash, testing]);\n`,
      "packages/application/src/__planted__.test.ts": `import { it } from "vitest";\nimport { TestApp } from "./testing/index.js";\nit("x", () => void TestApp);\n`,
      "packages/orchestrator/src/__planted__.ts": `import * as totp from "@mfa-chain/totp";\nimport type { FactorType } from "@mfa-chain/domain";\nexport const planted = totp;\nexport type P = FactorType;\n`,
      "apps/api/src/__planted__.ts": `import * as totp from "@mfa-chain/totp";\nimport * as crypto from "@mfa-chain/crypto";\nimport * as application from "@mfa-chain/application";\nexport const planted = [totp, crypto, application];\n`,
    };
    for (const [file, content] of Object.entries(allowed)) write(root, file, content);
    const run = await runCheck(root);
    for (const file of Object.keys(allowed)) expectNotFlagged(run, file);
  });
});
