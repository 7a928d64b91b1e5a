import type { ViteUserConfig } from "vitest/config";
export declare const base: ViteUserConfig;
export declare function config(overrides?: ViteUserConfig): ViteUserConfig;
