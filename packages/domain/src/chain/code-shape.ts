// The shape of a one-time code: exactly `digits` ASCII digits, nothing else (no Unicode digits, spaces or signs).
const ASCII_ZERO = 0x30;
const ASCII_NINE = 0x39;

export function isCodeShape(code: unknown, digits: number): code is string {
  if (typeof code !== "string" || code.length !== digits) return false;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < ASCII_ZERO || c > ASCII_NINE) return false;
  }
  return true;
}
