import { describe, expect, it } from "vitest";
import { Issues } from "../policy/read.js";
import { email, maskEmailAddress, normalizeEmailAddress } from "./email.js";
import { checkSendLimits, DEFAULT_SEND_LIMITS, drawOobCode, nextSendAllowedAt, readOobOptions } from "./out-of-band.js";
import { maskPhoneNumber, normalizePhoneNumber, sms } from "./sms.js";

const read = (raw: Record<string, unknown>) => {
  const issues = new Issues(true);
  return { options: readOobOptions({ raw, at: "options", issues }), issues: issues.list };
};

describe("email and sms options", () => {
  it("default to 6 digits valid 300 s; 8 digits and up to 600 s allowed", () => {
    expect(read({}).options).toEqual({ codeDigits: 6, codeTtlSeconds: 300 });
    expect(read({ codeDigits: 8, codeTtlSeconds: 600 }).options).toEqual({ codeDigits: 8, codeTtlSeconds: 600 });
  });
  it.each([
    { codeDigits: 7 },
    { codeDigits: 4 },
    { codeTtlSeconds: 601 },
    { codeTtlSeconds: 3600 },
    { codeTtlSeconds: 1.5 },
    { window: 1 },
  ])("S14 refuses %j", (raw) => {
    const { options, issues } = read(raw);
    expect(options === undefined || issues.length > 0).toBe(true);
  });
  it("a code is exactly the configured number of ASCII digits", () => {
    const six = { codeDigits: 6 as const, codeTtlSeconds: 300 };
    expect(email.isWellFormed("012345", six)).toBe(true);
    expect(sms.isWellFormed("01234567", { ...six, codeDigits: 8 })).toBe(true);
    for (const bad of ["12345", "1234567", "12345a", " 12345", "１２３４５６", "+12345", ""])
      expect(email.isWellFormed(bad, six)).toBe(false);
  });
  it("S14 draws every digit from the random source", () => {
    const digits = [3, 1, 4, 1, 5, 9, 2, 6];
    let i = 0;
    expect(drawOobCode(() => digits[i++] ?? 0, 8)).toBe("31415926");
  });
});

describe("email addresses", () => {
  it.each([
    ["alice@example.com", "alice@example.com"],
    ["  Alice.Smith+mfa@Example.COM ", "Alice.Smith+mfa@example.com"],
    ["a@sub.example.co.uk", "a@sub.example.co.uk"],
  ])("normalizes %j to %j", (raw, want) => expect(normalizeEmailAddress(raw)).toEqual({ ok: true, value: want }));

  it.each([
    "alice@example.com\r\nBcc: eve@evil.test",
    "alice\u0000@example.com",
    "alice@example.com\n",
    `${"a".repeat(290)}@example.com`,
    "alice",
    "@example.com",
    "alice@",
    "alice@localhost",
    "alice@[127.0.0.1]",
    "alice@exa mple.com",
    "al ice@example.com",
    '"alice"@example.com',
    "alice..b@example.com",
    "alice@-example.com",
    "alice@example.c0m",
    "",
  ])("refuses %j, without repeating it", (raw) => {
    const r = normalizeEmailAddress(raw);
    expect(r.ok).toBe(false);
    if (!r.ok && raw.length > 3) expect(r.problem).not.toContain(raw.trim());
  });

  it("masks all but the first character of the mailbox", () => {
    expect(maskEmailAddress("alice@example.com")).toBe("a***@example.com");
    expect(maskEmailAddress("a@example.com")).toBe("a***@example.com");
  });
});

describe("phone numbers", () => {
  it.each([
    ["+447700900789", "+447700900789"],
    ["+1 (555) 123-4567", "+15551234567"],
    ["+4915112345678", "+4915112345678"],
  ])("normalizes %j to %j", (raw, want) => expect(normalizePhoneNumber(raw)).toEqual({ ok: true, value: want }));

  it.each([
    "07700900789",
    "447700900789",
    "+0447700900789",
    "+1234567",
    "+1234567890123456",
    "+44 7700 900789 ext 5",
    "+44\n7700900789",
    "",
    "+".padEnd(40, "1"),
  ])("refuses %j (not E.164)", (raw) => expect(normalizePhoneNumber(raw).ok).toBe(false));

  it("masks all but the first two and last three digits", () => {
    expect(maskPhoneNumber("+447700900789")).toBe("+44*******789");
    expect(maskPhoneNumber("+44123456789")).toBe("+44******789");
  });
});

describe("S16 send limits", () => {
  const t0 = 1_800_000_000_000;
  it("1 per 30 s per destination: the next send waits until 30 s after the last", () => {
    expect(nextSendAllowedAt([], DEFAULT_SEND_LIMITS.perDestination, t0)).toBe(t0);
    expect(nextSendAllowedAt([t0 - 10_000], DEFAULT_SEND_LIMITS.perDestination, t0)).toBe(t0 + 20_000);
    expect(nextSendAllowedAt([t0 - 30_000], DEFAULT_SEND_LIMITS.perDestination, t0)).toBe(t0);
  });
  it("5 per 15 min per destination", () => {
    const five = [1, 2, 3, 4, 5].map((m) => t0 - m * 60_000);
    expect(nextSendAllowedAt(five, DEFAULT_SEND_LIMITS.perDestination, t0)).toBe(t0 - 5 * 60_000 + 15 * 60_000);
    expect(nextSendAllowedAt(five.slice(0, 4), DEFAULT_SEND_LIMITS.perDestination, t0)).toBe(t0);
  });
  it("20 a day per destination", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => t0 - (i + 1) * 3_600_000);
    expect(nextSendAllowedAt(twenty, DEFAULT_SEND_LIMITS.perDestination, t0)).toBe(t0 - 20 * 3_600_000 + 24 * 3_600_000);
  });
  it("every scope must allow; the latest retry time wins", () => {
    const r = checkSendLimits({ destination: [], user: [t0 - 5_000], tenant: [] }, DEFAULT_SEND_LIMITS, t0);
    expect(r).toEqual({ allowed: false, retryAt: t0 + 25_000, scope: "user" });
    expect(checkSendLimits({ destination: [], user: [], tenant: [] }, DEFAULT_SEND_LIMITS, t0)).toEqual({ allowed: true });
  });
});
