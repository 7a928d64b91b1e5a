import { describe, expect, it } from "vitest";
import { Issues } from "../policy/read.js";
import { isWebAuthnResponseText, readRelyingParty, webauthn, WEBAUTHN_RESPONSE_MAX_LENGTH } from "./webauthn.js";

const read = (raw: Record<string, unknown>) => {
  const issues = new Issues();
  return { options: webauthn.readOptions({ raw, at: "options", issues }), issues: issues.list };
};

describe("webauthn options (S24: the policy is the server's)", () => {
  it("default to preferred UV and resident key, no attestation, all three algorithms", () => {
    expect(read({}).options).toEqual({
      userVerification: "preferred",
      residentKey: "preferred",
      attestation: "none",
      algorithms: ["ES256", "EdDSA", "RS256"],
    });
    expect(
      read({
        userVerification: "required",
        residentKey: "required",
        attestation: "direct",
        algorithms: ["EdDSA"],
        authenticatorAttachment: "platform",
      }).options,
    ).toEqual({
      userVerification: "required",
      residentKey: "required",
      attestation: "direct",
      algorithms: ["EdDSA"],
      authenticatorAttachment: "platform",
    });
  });

  it.each([
    { userVerification: "always" },
    { residentKey: true },
    { attestation: "indirect" },
    { algorithms: [] },
    { algorithms: ["ES256", "ES256"] },
    { algorithms: ["PS256"] },
    { algorithms: "ES256" },
    { authenticatorAttachment: "usb" },
    { codeDigits: 6 },
  ])("refuses %j with an issue at its path", (raw) => {
    const { options, issues } = read(raw);
    expect(options).toBeUndefined();
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]?.path.startsWith("options.")).toBe(true);
  });

  it("a credential registered without required UV cannot pass a step that now requires it", () => {
    const p = (userVerification: "required" | "preferred") => webauthn.paramsOf({ ...read({ userVerification }).options! });
    expect(webauthn.sameParams(p("required"), p("required"))).toBe(true);
    expect(webauthn.sameParams(p("required"), p("preferred"))).toBe(true);
    expect(webauthn.sameParams(p("preferred"), p("required"))).toBe(false);
  });

  it("a submission is a JSON object no larger than a real response can be", () => {
    expect(isWebAuthnResponseText('{"id":"x"}')).toBe(true);
    for (const bad of ["", "[]", "null", "{", "123456", `{"a":"${"x".repeat(WEBAUTHN_RESPONSE_MAX_LENGTH)}"}`]) {
      expect(isWebAuthnResponseText(bad)).toBe(false);
    }
  });
});

describe("the relying party, checked when written", () => {
  it("keeps https origins on the RP id or a subdomain, and http on localhost", () => {
    expect(
      readRelyingParty({ id: "Example.COM", name: " Example ", origins: ["https://App.Example.com", "https://example.com:8443"] }),
    ).toEqual({
      ok: true,
      value: { id: "example.com", name: "Example", origins: ["https://app.example.com", "https://example.com:8443"] },
    });
    expect(readRelyingParty({ id: "localhost", name: "Dev", origins: ["http://localhost:3000", "https://localhost:443"] })).toEqual({
      ok: true,
      value: { id: "localhost", name: "Dev", origins: ["http://localhost:3000", "https://localhost"] },
    });
  });

  it.each([
    ["http off localhost", "example.com", ["http://app.example.com"]],
    ["another site", "example.com", ["https://example.com.evil.net"]],
    ["a suffix that is no subdomain", "example.com", ["https://badexample.com"]],
    ["a path", "example.com", ["https://example.com/login"]],
    ["a trailing slash", "example.com", ["https://example.com/"]],
    ["credentials", "example.com", ["https://user@example.com"]],
    ["another scheme", "example.com", ["ftp://example.com"]],
    ["no origin", "example.com", []],
    ["an IP address as RP id", "127.0.0.1", ["http://127.0.0.1:3000"]],
    ["an RP id with a scheme", "https://example.com", ["https://example.com"]],
    ["a port out of range", "example.com", ["https://example.com:70000"]],
  ])("refuses %s", (_label, id, origins) => {
    const read = readRelyingParty({ id, name: "x", origins });
    expect(read.ok).toBe(false);
  });
});
