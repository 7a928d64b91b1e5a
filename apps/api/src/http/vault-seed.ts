// A vault seed as a client gives it, read into the application's VaultSeed: an otpauth:// URI parsed strictly by
// @mfa-chain/totp (an unknown parameter refused by name), or base32 plus parameters. The domain then checks the values
// (vault.ts: supported algorithm, 6 or 8 digits, 30 or 60 s, at least 80 bits); a reading error names the problem.
import type { VaultSeed } from "@mfa-chain/application";
import type { VaultIssue } from "@mfa-chain/domain";
import { Base32Error, decodeBase32, KeyUriError, parseKeyUri } from "@mfa-chain/totp";

export interface SeedFields {
  readonly uri?: string | undefined;
  readonly secret?: string | undefined;
  readonly type?: string | undefined;
  readonly issuer?: string | undefined;
  readonly accountName?: string | undefined;
  readonly algorithm?: string | undefined;
  readonly digits?: number | undefined;
  readonly period?: number | undefined;
  readonly counter?: number | undefined;
}

/** Which field each URI problem is about, so that the problem names it. */
const FIELD_OF: Partial<Record<string, string>> = {
  missing_secret: "secret",
  invalid_secret: "secret",
  invalid_algorithm: "algorithm",
  invalid_digits: "digits",
  invalid_period: "period",
  missing_counter: "counter",
  invalid_counter: "counter",
  invalid_issuer: "issuer",
  issuer_mismatch: "issuer",
  invalid_label: "accountName",
};

/** With base32, the parameters a type takes when not given. */
const DEFAULTS: Partial<Record<string, { period: number | null; counter: number | null }>> = {
  totp: { period: 30, counter: null },
  hotp: { period: null, counter: 0 },
};

export function readSeed(f: SeedFields): { ok: true; seed: VaultSeed } | { ok: false; issues: VaultIssue[] } {
  if (f.uri !== undefined) {
    try {
      const p = parseKeyUri(f.uri, { unknownParameters: "refuse" });
      return {
        ok: true,
        seed: {
          type: p.type,
          secret: p.secret,
          issuer: p.issuer,
          accountName: p.accountName,
          algorithm: p.algorithm,
          digits: p.digits,
          period: p.period ?? null,
          counter: p.counter ?? null,
        },
      };
    } catch (error) {
      if (!(error instanceof KeyUriError)) throw error;
      const param = FIELD_OF[error.code];
      return { ok: false, issues: [{ field: param === undefined ? "uri" : `uri.${param}`, message: `${error.code}: ${error.message}` }] };
    }
  }
  const text = (f.secret ?? "").replace(/[\s-]/g, "").toUpperCase();
  if (text === "") return { ok: false, issues: [{ field: "secret", message: "empty" }] };
  let secret: Uint8Array;
  try {
    secret = decodeBase32(text);
  } catch (error) {
    if (!(error instanceof Base32Error)) throw error;
    return { ok: false, issues: [{ field: "secret", message: `not base32 (${error.code}): ${error.message}` }] };
  }
  const type = f.type ?? "totp";
  const defaults = DEFAULTS[type] ?? { period: null, counter: null };
  return {
    ok: true,
    seed: {
      type,
      secret,
      issuer: f.issuer ?? "",
      accountName: f.accountName ?? "",
      algorithm: f.algorithm ?? "SHA1",
      digits: f.digits ?? 6,
      period: f.period ?? defaults.period,
      counter: f.counter ?? defaults.counter,
    },
  };
}
