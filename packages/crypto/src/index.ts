// @mfa-chain/crypto — node:crypto adapters: the server clock, CSPRNG randomness and ids, the secret keyring, keyed hashes.
export * from "./crypto.errors.js";
export * from "./system-clock.js";
export * from "./crypto-random-source.js";
export * from "./random-id-generator.js";
export * from "./aes-gcm-keyring.js";
export * from "./hmac-keyed-hasher.js";
export * from "./node-push-signature-verifier.js";
export * from "./argon2-password-hasher.js";
