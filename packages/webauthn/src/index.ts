// @mfa-chain/webauthn — WebAuthn registration and assertion ceremonies over @simplewebauthn/server, behind the
// application's WebAuthnCeremony port. Builds options and verifies responses; stores nothing, decides nothing.
export * from "./simplewebauthn-ceremony.js";
