// Push approval with number matching (SPEC §3 push, S16, S17): a device holding a key pair approves or denies a
// challenge; the protocol itself is in ../push. A policy sets the anti-fatigue limits (S16) and whether a deny marked
// "not me" suspends the factor. What the step's verify receives is the id of the challenge the device answered.
import { checkKeys, describe, join } from "../policy/read.js";
import { DEFAULT_PUSH_FATIGUE_LIMITS, PUSH_FATIGUE_BOUNDS, type PushFatigueLimits } from "../push/anti-fatigue.js";
import { isPushId } from "../push/push-fields.js";
import { readInteger } from "../policy/read.js";
import type { DomainKind } from "./kind.js";

export interface PushOptions extends PushFatigueLimits {
  /** A deny marked "this was not me" suspends (revokes) the push factor: the user enrolls the device again. */
  readonly suspendOnFraud: boolean;
}

export interface PushParams {
  readonly type: "push";
}

export const PUSH_DEFAULTS: PushOptions = { ...DEFAULT_PUSH_FATIGUE_LIMITS, suspendOnFraud: true };
export const PUSH_OPTION_KEYS = ["maxPending", "maxPerHour", "maxDenies", "suspendOnFraud"] as const;

export const push: DomainKind<"push", PushOptions, PushParams> = {
  type: "push",
  optionKeys: PUSH_OPTION_KEYS,
  readOptions({ raw, at, issues }) {
    checkKeys(raw, at, PUSH_OPTION_KEYS, issues);
    const limit = (key: keyof PushFatigueLimits) => readInteger(raw, key, at, issues, PUSH_FATIGUE_BOUNDS[key], PUSH_DEFAULTS[key]);
    const maxPending = limit("maxPending");
    const maxPerHour = limit("maxPerHour");
    const maxDenies = limit("maxDenies");
    let suspendOnFraud: boolean | undefined = PUSH_DEFAULTS.suspendOnFraud;
    const v = raw["suspendOnFraud"];
    if (v !== undefined) {
      if (typeof v === "boolean") suspendOnFraud = v;
      else {
        issues.add(join(at, "suspendOnFraud"), `must be true or false, got ${describe(v)}`);
        suspendOnFraud = undefined;
      }
    }
    if (maxPending === undefined || maxPerHour === undefined || maxDenies === undefined || suspendOnFraud === undefined) return undefined;
    return { maxPending, maxPerHour, maxDenies, suspendOnFraud };
  },
  paramsOf: () => ({ type: "push" }),
  sameParams: () => true,
  // The "code" of a push step is the id of the challenge the device answered.
  isWellFormed: (code) => isPushId(code),
};
