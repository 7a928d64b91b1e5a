// What a factor kind is to the domain: the options a policy sets for it, what a credential of the kind is provisioned
// with, and the shape of what a user submits for it. One module per kind (totp.ts, hotp.ts, backup-code.ts), composed
// in index.ts; nothing outside kinds/ asks which kind a factor is.
import type { Issues, Obj } from "../policy/read.js";

/** Where a kind reads its options: the factor's `options` object, its path for messages, and the issues to report. */
export interface OptionsInput {
  readonly raw: Obj;
  readonly at: string;
  readonly issues: Issues;
}

export interface DomainKind<T extends string, O, P extends { readonly type: string }> {
  readonly type: T;
  /** The option names a policy may set for a factor of this kind (others are reported as unknown). */
  readonly optionKeys: readonly string[];
  /** The options with their defaults filled in; undefined once a problem is reported. */
  readOptions(input: OptionsInput): O | undefined;
  /** What a credential enrolled for a factor with these options is provisioned with. */
  paramsOf(options: O): P;
  /** Whether a credential provisioned with `have` can pass a step that wants `want` (same algorithm, digits, …). */
  sameParams(have: P, want: P): boolean;
  /** Whether a submitted code has this kind's shape: checked before any secret is touched; anything else is a failure. */
  isWellFormed(code: string, options: O): boolean;
}
