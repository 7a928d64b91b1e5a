// Backup codes: a set of single-use codes shown once at enrollment, kept only as keyed hashes; any unused code of the
// set passes a step of this kind. Codes are 15 characters of Crockford's base32 (75 bits), shown in three groups of
// five ("7KQ2M-XB9TD-4RWNF"): no I, L, O or U to misread. A user may type them in any case, with or without the
// hyphens or spaces; O, I and L are read as 0, 1 and 1.
import { checkKeys } from "../policy/read.js";
import type { DomainKind } from "./kind.js";

/** Codes in a set. */
export const BACKUP_CODE_COUNT = 10;
/** Characters per code; 5 bits each. */
export const BACKUP_CODE_LENGTH = 15;
export const BACKUP_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Characters per group when shown. */
export const BACKUP_CODE_GROUP = 5;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a backup-code factor has no options (yet)
export type BackupCodeOptions = {};

export interface BackupCodeParams {
  readonly type: "backup_code";
}

const SEPARATORS = /[\s-]/g;
const CANONICAL = new RegExp(`^[${BACKUP_CODE_ALPHABET}]{${BACKUP_CODE_LENGTH}}$`);

/**
 * The canonical form of a typed backup code (uppercase, no separators, O/I/L read as 0/1/1), or null when it cannot be
 * one. The canonical form is what is hashed.
 */
export function canonicalBackupCode(code: string): string | null {
  if (code.length > 3 * BACKUP_CODE_LENGTH) return null;
  const canonical = code.replace(SEPARATORS, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
  return CANONICAL.test(canonical) ? canonical : null;
}

/** A canonical code as shown to the user: groups of five joined by hyphens. */
export const formatBackupCode = (canonical: string): string =>
  canonical.match(new RegExp(`.{1,${BACKUP_CODE_GROUP}}`, "g"))?.join("-") ?? canonical;

export const backupCode: DomainKind<"backup_code", BackupCodeOptions, BackupCodeParams> = {
  type: "backup_code",
  optionKeys: [],
  readOptions({ raw, at, issues }) {
    checkKeys(raw, at, this.optionKeys, issues);
    return Object.keys(raw).length === 0 ? {} : undefined;
  },
  paramsOf: () => ({ type: "backup_code" }),
  sameParams: () => true,
  isWellFormed: (code) => canonicalBackupCode(code) !== null,
};
