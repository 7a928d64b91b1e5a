// The shape of a submitted code, checked before any HMAC is computed.

/**
 * True when `code` is exactly `digits` ASCII digits (`0`–`9`). Unicode digits (full-width `１`, Arabic-Indic `٣`, …),
 * spaces, signs, an empty string, a longer or shorter string and non-strings are all false.
 */
export function isAsciiDigits(code: unknown, digits: number): code is string {
  if (typeof code !== "string" || code.length !== digits) return false;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
