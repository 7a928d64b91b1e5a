// aLockState(): a user's failure counter and lock, unlocked with no history unless told otherwise.
import { UNLOCKED, type LockState } from "../index.js";

export const aLockState = (overrides: Partial<LockState> = {}): LockState => Object.freeze({ ...UNLOCKED, ...overrides });
