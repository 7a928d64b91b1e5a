// One value shape from both drivers: node-postgres reads int8 as a string and PGlite as a number or BigInt; both are
// parsed here to a JavaScript number, refusing (never rounding) a value beyond 2^53.
export const INT8_OID = 20;

export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`a bigint column holds ${text}, beyond JavaScript's safe integer range`);
  }
  return value;
}
