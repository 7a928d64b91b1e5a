// @mfa-chain/application/testing — the application wired for unit tests (TestApp), in-memory fakes of the storage
// ports and fakes of the other ports, plus the domain's builders (@mfa-chain/domain/testing), so that one import
// serves a use-case test. Not used by production code; published like rxjs/testing for teams testing their own use.
export * from "@mfa-chain/domain/testing";
export * from "./in-memory/index.js";
export * from "./fakes/index.js";
