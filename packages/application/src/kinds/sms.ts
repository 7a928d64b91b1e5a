// SMS codes (SPEC §3, S14–S16): the E.164 number sealed at rest and shown masked; codes sent by the challenge phase.
import { maskPhoneNumber, normalizePhoneNumber } from "@mfa-chain/domain";
import type { ApplicationKind, KindDeps } from "./kind.js";
import type { OobMaterial } from "./material.js";
import { oobKind, type OobShown, type OobView } from "./out-of-band.js";

export const smsKind = (deps: KindDeps): ApplicationKind<"sms", OobMaterial, OobShown, OobView> =>
  oobKind(deps, { type: "sms", channel: "sms", normalize: normalizePhoneNumber, mask: maskPhoneNumber, field: "destination" });
