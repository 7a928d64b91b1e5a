// Proves that a factor kind cannot be half-added: a kind planted in the domain's KindTypes (by declaration merging,
// from a temp folder, so the repository is untouched) must fail typecheck in every layer's registry, and a `switch`
// over the kinds that misses one must fail lint. Each case has a control run without the plant that passes, so the
// failures come from the plant and not from the set-up.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = realpathSync(fileURLToPath(new URL("../../..", import.meta.url)));
const DOMAIN_KINDS = join(REPO, "packages", "domain", "src", "kinds", "index.js");
/** Every registry: a Record over the kinds, in each layer that has kind modules. */
const REGISTRIES = [
  "packages/domain/src/kinds/index.ts",
  "packages/application/src/kinds/index.ts",
  "packages/infra-postgres/src/kinds/index.ts",
  "apps/api/src/http/kinds/index.ts",
];
/** Entry points that between them import every layer's registry. */
const ENTRIES = ["apps/api/src/main.ts", "packages/orchestrator/src/index.ts"];

const run = (command: string, args: string[], cwd: string) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [command, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mfa-planted-kind-"));
  mkdirSync(join(dir, "kinds"));
  const tsconfig = (files: string[]) =>
    JSON.stringify({
      extends: join(REPO, "tsconfig.base.json"),
      compilerOptions: { types: ["node"], typeRoots: [join(REPO, "node_modules", "@types")], declaration: false },
      files,
    });
  const entries = ENTRIES.map((entry) => join(REPO, entry));
  writeFileSync(join(dir, "tsconfig.control.json"), tsconfig(entries));
  writeFileSync(join(dir, "tsconfig.planted.json"), tsconfig(["planted-kind.ts", ...entries]));
  writeFileSync(
    join(dir, "planted-kind.ts"),
    `declare module ${JSON.stringify(DOMAIN_KINDS)} {\n  interface KindTypes {\n    planted: { options: { readonly window: number }; params: { readonly digits: number } };\n  }\n}\nexport {};\n`,
  );
  // The lint cases: a switch over the kinds (in a kinds/ folder, where dispatch on a type belongs), typed by the real domain package (its tsconfig is the lint's project).
  writeFileSync(join(dir, "tsconfig.json"), tsconfig(["kinds/switch-all.ts", "kinds/switch-missing.ts", "compare.ts"]));
  const switchOver = (cases: string[]) =>
    `import type { ImplementedFactorType } from ${JSON.stringify(DOMAIN_KINDS)};\n` +
    `export function label(type: ImplementedFactorType): string {\n  switch (type) {\n` +
    cases.map((c) => `    case "${c}":\n      return "${c}";\n`).join("") +
    `  }\n  return "none";\n}\n`;
  writeFileSync(join(dir, "kinds", "switch-all.ts"), switchOver(["totp", "hotp", "backup_code", "email", "sms", "webauthn", "push"]));
  writeFileSync(join(dir, "kinds", "switch-missing.ts"), switchOver(["totp", "hotp"]));
  // "Not TOTP means HOTP", the branch the registries replaced.
  writeFileSync(
    join(dir, "compare.ts"),
    `import type { ImplementedFactorType } from ${JSON.stringify(DOMAIN_KINDS)};\nexport const isCounterBased = (type: ImplementedFactorType): boolean => type !== "totp";\n`,
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const ESLINT = join(REPO, "node_modules", "eslint", "bin", "eslint.js");
const ESLINT_CONFIG = join(REPO, "tooling", "eslint.config.js");

describe("a factor kind added in one place only", () => {
  it("control: the real kinds typecheck across every layer", async () => {
    const { code, output } = await run(TSC, ["-p", "tsconfig.control.json", "--noEmit"], dir);
    expect(output).toBe("");
    expect(code).toBe(0);
  }, 120_000);

  it("a kind planted in the domain's KindTypes fails typecheck in every layer's registry", async () => {
    const { code, output } = await run(TSC, ["-p", "tsconfig.planted.json", "--noEmit"], dir);
    expect(code).not.toBe(0);
    for (const registry of REGISTRIES) {
      const errors = output.split("\n").filter((line) => line.includes(registry) && line.includes("error TS"));
      expect(errors.join("\n"), `no error in ${registry}:\n${output}`).toMatch(/planted/);
    }
  }, 120_000);

  it("lint: a switch over the kinds must handle every kind", async () => {
    const { code, output } = await run(
      ESLINT,
      ["--no-config-lookup", "--config", ESLINT_CONFIG, "kinds/switch-all.ts", "kinds/switch-missing.ts"],
      dir,
    );
    expect(code).not.toBe(0);
    expect(output).toMatch(/switch-missing\.ts[\s\S]*Cases not matched: "backup_code"[\s\S]*switch-exhaustiveness-check/);
    expect(output).not.toMatch(/switch-all\.ts/);
  }, 120_000);

  it("lint: outside a kinds/ folder, a factor type is never compared", async () => {
    const { code, output } = await run(ESLINT, ["--no-config-lookup", "--config", ESLINT_CONFIG, "compare.ts", "kinds/switch-all.ts"], dir);
    expect(code).not.toBe(0);
    expect(output).toMatch(/compare\.ts[\s\S]*Dispatch on a factor type through its kind module[\s\S]*no-restricted-syntax/);
    expect(output).not.toMatch(/switch-all\.ts/);
  }, 120_000);
});
