// @mfa-chain/testing — private test helpers: builders, a fake clock, a seeded random source, in-memory fakes.
export * from "./builders/index.js";
export * from "./in-memory/index.js";
export * from "./fakes/index.js";
