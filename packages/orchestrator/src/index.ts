// @mfa-chain/orchestrator — in-process MFA chains for one user, without the service.
export * from "./orchestrator.js";
