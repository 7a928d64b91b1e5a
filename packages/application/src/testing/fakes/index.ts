// Fakes of the application's non-storage ports (OTP engine, secret cipher), a fault-injecting unit of work, and the
// whole application wired over them for use-case tests.
export * from "./fake-cipher.js";
export * from "./fake-hasher.js";
export * from "./fake-otp.js";
export * from "./fault-injecting-unit-of-work.js";
export * from "./test-app.js";
export * from "./fake-api-key-minter.js";
export * from "./fake-delivery.js";
export * from "./fake-webauthn.js";
export * from "./console-operators.js";
