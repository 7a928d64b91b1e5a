// @mfa-chain/domain — the pure model: policy, chain, reset and lockout rules. No I/O, no dependencies.
export * from "./shared/result.js";
export * from "./shared/time.js";
export * from "./shared/random-source.port.js";
export * from "./kinds/index.js";
export * from "./policy/factor-type.js";
export * from "./policy/policy.js";
export * from "./policy/policy.errors.js";
export * from "./policy/parse-policy.js";
export * from "./policy/identifiers.js";
export * from "./chain/code-shape.js";
export * from "./chain/attempt.js";
export * from "./chain/verify-step.js";
export * from "./chain/reauthentication.js";
export * from "./lockout/lockout.policy.js";
export * from "./credential/credential.js";
export * from "./audit/audit-event.js";
export * from "./vault/vault.js";
