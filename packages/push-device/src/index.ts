// @mfa-chain/push-device — the reference push device: key storage, enroll, poll, approve, deny (docs/push-protocol.md).
export * from "./push-device.errors.js";
export * from "./device-key.js";
export * from "./routes.js";
export * from "./push-device.js";
export * from "./run-cli.js";
