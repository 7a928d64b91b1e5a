// A step that cannot be decided yet (a push its device has not answered): thrown by a kind's check, it abandons the
// verify before anything is written — no failure counted, no claim — and the verify answers its error instead.
import type { AppError } from "./application.errors.js";

export class StepNotReady extends Error {
  override readonly name = "StepNotReady";
  constructor(readonly error: AppError) {
    super(error.message);
  }
}
