import { describe, expect, it } from "vitest";
import { formatPushEnrollmentLink, isPushApiBaseUrl, parsePushEnrollmentLink, type PushEnrollmentLink } from "./enrollment-link.js";

const TOKEN = "q83vEjRWeJCrze8SNFZ4kA";
const link: PushEnrollmentLink = {
  apiBaseUrl: "https://mfa.example.com/api",
  tenantId: "acme",
  userId: "alice+test@example.com",
  credentialId: "cred_01",
  enrollmentToken: TOKEN,
  label: "Acme — alice",
};
const TEXT =
  "mfachain-push://enroll?v=1&api=https%3A%2F%2Fmfa.example.com%2Fapi&tenant=acme&user=alice%2Btest%40example.com" +
  `&credential=cred_01&token=${TOKEN}&label=Acme%20%E2%80%94%20alice`;

describe("push enrollment link", () => {
  it("writes every value percent-encoded, in a fixed order", () => {
    expect(formatPushEnrollmentLink(link)).toEqual({ ok: true, value: TEXT });
  });

  it("reads it back, the label being optional", () => {
    expect(parsePushEnrollmentLink(TEXT)).toEqual({ ok: true, value: link });
    const { label: _label, ...bare } = link;
    const r = formatPushEnrollmentLink(bare);
    expect(r.ok && parsePushEnrollmentLink(r.value)).toEqual({ ok: true, value: bare });
  });

  it("reads parameters in any order", () => {
    const reordered = `mfachain-push://enroll?token=${TOKEN}&credential=cred_01&user=u&tenant=t&api=https%3A%2F%2Fa.b&v=1`;
    expect(parsePushEnrollmentLink(reordered)).toMatchObject({ ok: true, value: { apiBaseUrl: "https://a.b", userId: "u" } });
  });

  it.each([
    ["another scheme", TEXT.replace("mfachain-push://", "https://")],
    ["another action", TEXT.replace("//enroll?", "//approve?")],
    ["another version", TEXT.replace("v=1", "v=2")],
    ["an unknown parameter", `${TEXT}&callback=x`],
    ["a repeated parameter", `${TEXT}&tenant=other`],
    ["a missing token", TEXT.replace(`&token=${TOKEN}`, "")],
    ["a parameter without value", TEXT.replace("&tenant=acme", "&tenant")],
    ["an empty value", TEXT.replace("tenant=acme", "tenant=")],
    ["a short token", TEXT.replace(TOKEN, TOKEN.slice(0, 21))],
    ["malformed percent-encoding", TEXT.replace("tenant=acme", "tenant=%E2%80")],
    ["a plain-http API off loopback", TEXT.replace("https%3A", "http%3A")],
    ["an API URL with a query", TEXT.replace("%2Fapi", "%2Fapi%3Fx%3D1")],
    ["an API URL with user info", TEXT.replace("mfa.example.com", "user%40mfa.example.com")],
    ["a trailing garbage line", `${TEXT}\n`],
    ["a label with a line break", TEXT.replace("alice", "alice%0A")],
    ["an overlong link", TEXT + "x".repeat(3000)],
  ])("refuses %s", (_what, text) => {
    expect(parsePushEnrollmentLink(text)).toMatchObject({ ok: false, error: { code: "invalid_enrollment_link" } });
  });

  it("never repeats the token in an error", () => {
    const r = parsePushEnrollmentLink(TEXT.replace("v=1", "v=9"));
    expect(!r.ok && r.error.message).not.toContain(TOKEN);
  });

  it("refuses to write a link with an invalid value", () => {
    expect(formatPushEnrollmentLink({ ...link, tenantId: "a b" }).ok).toBe(false);
    expect(formatPushEnrollmentLink({ ...link, apiBaseUrl: "ftp://x" }).ok).toBe(false);
  });

  it.each([
    ["https://mfa.example.com", true],
    ["https://mfa.example.com:8443/base/path", true],
    ["http://127.0.0.1:3000", true],
    ["http://localhost:3000", true],
    ["http://[::1]:3000", true],
    ["https://[2001:db8::1]", true],
    ["http://mfa.example.com", false],
    ["https://mfa.example.com/", false],
    ["https://mfa.example.com#x", false],
    ["https://mfa.example.com:99999", false],
    ["https://-bad.example.com", false],
    ["javascript:alert(1)", false],
  ])("API base URL %s: %s", (url, valid) => {
    expect(isPushApiBaseUrl(url)).toBe(valid);
  });
});
