// Identifiers that come from outside: the relying party's user ids and tenants' policy ids.
/** A relying party's user id: 1–128 visible ASCII characters without spaces or slashes. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@:+=-]{1,128}$/;
/** A policy id: a slug chosen by the tenant. */
export const POLICY_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
