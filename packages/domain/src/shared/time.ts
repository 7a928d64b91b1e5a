// Instants are epoch milliseconds: plain numbers are immutable, serialisable and clock-agnostic.
export type Instant = number;

export const seconds = (s: number): number => s * 1000;
