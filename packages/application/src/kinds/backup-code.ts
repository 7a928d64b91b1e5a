// Backup codes (SPEC §3, S18–S20): ten codes of 75 bits from the CSPRNG, shown once, kept only as keyed hashes bound
// to their purpose and credential (S30). Any unused code of the set passes a step; the claim marks it used in the
// step's own transaction (`update … where used_at is null`), so of parallel redemptions of one code one wins (S19).
// A new set replaces the old one at once: enrolling activates it, which revokes the previous set in one transaction.
import { BACKUP_CODE_ALPHABET, BACKUP_CODE_COUNT, BACKUP_CODE_LENGTH, canonicalBackupCode, formatBackupCode } from "@mfa-chain/domain";
import type { ApplicationKind, KindDeps } from "./kind.js";
import type { BackupCodeMaterial } from "./material.js";

export type { BackupCodeMaterial };

export interface BackupCodesShown {
  /** The codes, grouped for reading ("7KQ2M-XB9TD-4RWNF"): shown this once, never stored or shown again. */
  readonly codes: readonly string[];
}

/** One code used, in memory: only while unused (the storage's statement does the same). */
export const claimBackupCode = (m: BackupCodeMaterial, codeHash: string): BackupCodeMaterial | null =>
  m.codeHashes.includes(codeHash) ? { codeHashes: m.codeHashes.filter((h) => h !== codeHash) } : null;

const contextOf = (c: { readonly tenantId: string; readonly id: string }) => ["backup_code", c.tenantId, c.id];

export const backupCodeKind = (
  deps: KindDeps,
): ApplicationKind<"backup_code", BackupCodeMaterial, BackupCodesShown, { readonly remaining: number }> => ({
  type: "backup_code",
  enrollsAs: "active",
  usedNotice: "backup_code_used",
  async provision(input) {
    const codes = new Set<string>();
    while (codes.size < BACKUP_CODE_COUNT) {
      let code = "";
      for (let i = 0; i < BACKUP_CODE_LENGTH; i++) code += BACKUP_CODE_ALPHABET[deps.random.nextInt(BACKUP_CODE_ALPHABET.length)];
      codes.add(code);
    }
    const context = contextOf({ tenantId: input.tenantId, id: input.credentialId });
    return {
      material: { codeHashes: [...codes].map((code) => deps.hasher.hash(code, context)) },
      shown: { codes: [...codes].map(formatBackupCode) },
    };
  },
  check(credential, code) {
    const canonical = canonicalBackupCode(code);
    if (canonical === null) return { ok: false, reason: "invalid_code_format" };
    const context = contextOf(credential);
    // Every unused hash is compared, so the time taken does not say which one matched.
    let matched: string | null = null;
    for (const hash of credential.material.codeHashes) {
      if (deps.hasher.matches(canonical, context, hash)) matched = hash;
    }
    if (matched === null) return { ok: false, reason: "invalid_code" };
    return { ok: true, claim: { kind: "backup_code", credentialId: credential.id, codeHash: matched } };
  },
  // A revoked set (replaced, or revoked by the user) has no code left that passes.
  view: (credential) => ({ remaining: credential.status === "revoked" ? 0 : credential.material.codeHashes.length }),
  usable: (credential) => credential.material.codeHashes.length > 0,
});
