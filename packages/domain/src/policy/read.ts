// The readers policy validation is built from: each reports every problem it finds with its path, and never coerces.
// Factor kinds read their own options with them (kinds/*.ts).
import type { PolicyIssue } from "./policy.errors.js";

export type Obj = Record<string, unknown>;

export class Issues {
  readonly list: PolicyIssue[] = [];
  /**
   * @param lenient reading a stored version, not validating a new one: rules about text that may get stricter over
   *   time (lengths, invisible characters, look-alike labels) are not applied again, so that a version accepted once
   *   stays readable. Structure, kinds and options are checked either way.
   */
  constructor(readonly lenient = false) {}
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

export const describe = (v: unknown): string => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number") return `the number ${v}`;
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
};

export const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export const join = (path: string, key: string | number): string =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

export function checkKeys(obj: Obj, path: string, allowed: readonly string[], issues: Issues): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      issues.add(join(path, key), `unknown field "${key}" (allowed: ${allowed.join(", ")})`);
    }
  }
}

export function readString(obj: Obj, key: string, path: string, issues: Issues, maxLength: number): string | undefined {
  const v = obj[key];
  const at = join(path, key);
  if (v === undefined) return (issues.add(at, "is required"), undefined);
  if (typeof v !== "string") return (issues.add(at, `must be a string, got ${describe(v)}`), undefined);
  if (v.trim().length === 0) return (issues.add(at, "must not be empty"), undefined);
  if (v.length > maxLength && !issues.lenient)
    return (issues.add(at, `must be at most ${maxLength} characters, got ${v.length}`), undefined);
  return v;
}

// Characters a person cannot see or that reorder what they see: controls, format characters (zero-width spaces and
// joiners, bidi overrides), line and paragraph separators, surrogates, private use and noncharacters. A label is
// what an authenticator app shows to tell factors apart; a name is shown to people too.
const UNSEEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u;

/** A string shown to people: no unseen characters, stored in Unicode's composed form (NFC). */
export function readText(obj: Obj, key: string, path: string, issues: Issues, maxLength: number): string | undefined {
  const v = readString(obj, key, path, issues, maxLength);
  if (v === undefined || issues.lenient) return v;
  const unseen = UNSEEN.exec(v);
  if (unseen) {
    const cp = (unseen[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    return (
      issues.add(join(path, key), `must not contain invisible, control or direction characters (U+${cp} at ${unseen.index})`),
      undefined
    );
  }
  return v.normalize("NFC");
}

/** Two labels that look alike to a person compare equal: compatibility forms folded, case and spacing ignored. */
export const labelKey = (label: string): string => label.normalize("NFKC").trim().replace(/\s+/gu, " ").toLowerCase();

export function readInteger(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  range: { min: number; max: number },
  fallback?: number,
): number | undefined {
  const v = obj[key];
  const at = join(path, key);
  if (v === undefined) {
    if (fallback === undefined) issues.add(at, "is required");
    return fallback;
  }
  if (typeof v !== "number" || !Number.isInteger(v)) {
    return (issues.add(at, `must be an integer, got ${describe(v)}`), undefined);
  }
  if (v < range.min || v > range.max) {
    return (issues.add(at, `must be between ${range.min} and ${range.max}, got ${v}`), undefined);
  }
  return v;
}

export function readChoice<T extends string | number>(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  choices: readonly T[],
  fallback?: T,
): T | undefined {
  const v = obj[key];
  const at = join(path, key);
  if (v === undefined) {
    if (fallback === undefined) issues.add(at, "is required");
    return fallback;
  }
  if (!(choices as readonly unknown[]).includes(v)) {
    return (issues.add(at, `must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${describe(v)}`), undefined);
  }
  return v as T;
}
