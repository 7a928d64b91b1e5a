// In-memory fakes of the storage ports and the small sources (clock, ids); SeededRandom is in @mfa-chain/domain/testing.
export * from "./fake-clock.js";
export * from "./fake-id-generator.js";
export * from "./in-memory-store.js";
export * from "./in-memory-unit-of-work.js";
