// Email codes (SPEC §3, S14–S16): the address sealed at rest and shown masked; codes sent by the challenge phase.
import { maskEmailAddress, normalizeEmailAddress } from "@mfa-chain/domain";
import type { ApplicationKind, KindDeps } from "./kind.js";
import type { OobMaterial } from "./material.js";
import { oobKind, type OobShown, type OobView } from "./out-of-band.js";

export const emailKind = (deps: KindDeps): ApplicationKind<"email", OobMaterial, OobShown, OobView> =>
  oobKind(deps, { type: "email", channel: "email", normalize: normalizeEmailAddress, mask: maskEmailAddress, field: "destination" });
