// Test-data builders and deterministic sources for the domain's ports.
export * from "./attempt.builder.js";
export * from "./credential.builder.js";
export * from "./lock-state.builder.js";
export * from "./policy.builder.js";
export * from "./seeded-random.js";
export * from "./time.js";
