// mfa-chain's push protocol (SPEC §3 push, S16, S17): the canonical strings a device signs, the enrollment link,
// number matching, the protocol's clocks and the anti-fatigue rules. docs/push-protocol.md describes the wire.
export * from "./push-fields.js";
export * from "./canonical-message.js";
export * from "./enrollment-link.js";
export * from "./number-matching.js";
export * from "./push-timing.js";
export * from "./anti-fatigue.js";
