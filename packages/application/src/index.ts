// @mfa-chain/application — use cases and the ports they need. Imports @mfa-chain/domain only.
export * from "./ports/clock.port.js";
export * from "./ports/id-generator.port.js";
export * from "./ports/otp.port.js";
export * from "./ports/secret-cipher.port.js";
export * from "./ports/repositories.port.js";
