// Shared vitest settings: resolve workspace packages to their TypeScript sources through the
// "@mfa-chain/source" export condition, so tests never need a prior build.
import { defineConfig, mergeConfig } from "vitest/config";

const conditions = ["@mfa-chain/source", "node", "default"];

export const base = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@mfa-chain/source"] } },
  // Global setup files are loaded by the runner's own environment: it needs the source condition too.
  environments: { __vitest__: { resolve: { conditions } }, ssr: { resolve: { conditions } } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});

export function config(overrides = {}) {
  return mergeConfig(base, defineConfig(overrides));
}
