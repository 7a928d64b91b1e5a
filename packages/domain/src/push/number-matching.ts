// Number matching (S17): the relying party's page shows a two-digit number; the device offers three numbers, exactly
// one of them right; the step passes only on approve with the right number, before the challenge expires.
import type { RandomSource } from "../shared/random-source.port.js";
import type { Instant } from "../shared/time.js";
import type { PushDecision } from "./push-fields.js";

/** Numbers are two digits without a leading zero, 10–99: "07" and "7" cannot be confused. */
export const PUSH_NUMBER_MIN = 10;
export const PUSH_NUMBER_MAX = 99;
export const PUSH_NUMBER_COUNT = PUSH_NUMBER_MAX - PUSH_NUMBER_MIN + 1;
/** The device shows this many numbers to choose from. */
export const PUSH_CHOICE_COUNT = 3;

export type PushChoices = readonly [number, number, number];

export const isPushNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= PUSH_NUMBER_MIN && value <= PUSH_NUMBER_MAX;

/** The number the relying party shows, uniform over 10–99. */
export function drawPushNumber(random: RandomSource): number {
  return PUSH_NUMBER_MIN + random.nextInt(PUSH_NUMBER_COUNT);
}

/**
 * The three numbers the device offers: `number` and two distinct decoys, each decoy uniform over the numbers not yet
 * taken, in a uniformly random order — the right number's position tells nothing.
 */
export function drawPushChoices(number: number, random: RandomSource): PushChoices {
  if (!isPushNumber(number)) throw new RangeError(`drawPushChoices: expected a number in 10–99, got ${number}`);
  const taken = [number];
  while (taken.length < PUSH_CHOICE_COUNT) {
    // The k-th free number, counting upwards and skipping the taken ones: uniform over the free ones.
    let candidate = PUSH_NUMBER_MIN + random.nextInt(PUSH_NUMBER_COUNT - taken.length);
    for (const t of [...taken].sort((a, b) => a - b)) if (candidate >= t) candidate++;
    taken.push(candidate);
  }
  const [right, first, second] = taken as [number, number, number];
  switch (random.nextInt(PUSH_CHOICE_COUNT)) {
    case 0:
      return [right, first, second];
    case 1:
      return [first, right, second];
    default:
      return [first, second, right];
  }
}

/** Three distinct numbers, exactly one of them `number`: what a stored challenge must hold. */
export const arePushChoicesFor = (choices: readonly number[], number: number): boolean =>
  choices.length === PUSH_CHOICE_COUNT &&
  choices.every(isPushNumber) &&
  new Set(choices).size === PUSH_CHOICE_COUNT &&
  choices.filter((c) => c === number).length === 1;

/** What the server holds of a challenge when an answer comes. */
export interface PushChallengeFacts {
  readonly number: number;
  readonly expiresAt: Instant;
}

/** What the device answered (its signature already verified against the enrolled key). */
export interface PushAnswerFacts {
  readonly decision: PushDecision;
  /** The number the user chose; null on deny. */
  readonly number: number | null;
  /** A deny that the user marked "this was not me". */
  readonly notMe: boolean;
}

/**
 * The outcome of an answer. `approved` passes the step; `wrong_number`, `denied` and `reported_fraud` are failures in
 * the user's lockout count (S17, S26), `reported_fraud` is also audited as such; `expired` cannot pass (S17) and is
 * not a failure: the challenge is simply over.
 */
export type PushAnswerOutcome = "approved" | "wrong_number" | "denied" | "reported_fraud" | "expired";

export function judgePushAnswer(challenge: PushChallengeFacts, answer: PushAnswerFacts, now: Instant): PushAnswerOutcome {
  if (!(now < challenge.expiresAt)) return "expired";
  switch (answer.decision) {
    case "deny":
      return answer.notMe ? "reported_fraud" : "denied";
    case "approve":
      return answer.number !== null && answer.number === challenge.number && !answer.notMe ? "approved" : "wrong_number";
  }
}

/** Whether an outcome counts as a failure of the step (lockout, audit). */
export function isPushFailure(outcome: PushAnswerOutcome): boolean {
  switch (outcome) {
    case "wrong_number":
    case "denied":
    case "reported_fraud":
      return true;
    case "approved":
    case "expired":
      return false;
  }
}
