import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config.js";
import { consoleRelyingParty } from "./console-relying-party.js";

const config = (env: Record<string, string>) => loadConfig({ MFA_DATA_DIR: "memory://", ...env });

describe("the console's WebAuthn relying party (operators' passkeys)", () => {
  it("is MFA_CONSOLE_ORIGIN, with its host as the RP id", () => {
    expect(consoleRelyingParty(config({ MFA_CONSOLE_ORIGIN: "https://console.example.com:8443" }), "http://127.0.0.1:3000")).toEqual({
      id: "console.example.com",
      name: "mfa-chain admin console",
      origins: ["https://console.example.com:8443"],
    });
  });

  it("else the origin of MFA_PUBLIC_URL; else, or for an IP address, localhost on the port listened on", () => {
    expect(consoleRelyingParty(config({ MFA_PUBLIC_URL: "https://mfa.example.com/api" }), "http://127.0.0.1:3000")).toMatchObject({
      id: "mfa.example.com",
      origins: ["https://mfa.example.com"],
    });
    expect(consoleRelyingParty(config({ MFA_PUBLIC_URL: "http://127.0.0.1:4000" }), "http://127.0.0.1:4000")).toMatchObject({
      id: "localhost",
      origins: ["http://localhost:4000"],
    });
    expect(consoleRelyingParty(config({}), "http://127.0.0.1:3456")).toMatchObject({ id: "localhost", origins: ["http://localhost:3456"] });
  });

  it("refuses an MFA_CONSOLE_ORIGIN a browser would not use passkeys at, naming the variable", () => {
    for (const MFA_CONSOLE_ORIGIN of [
      "http://console.example.com",
      "https://10.0.0.1",
      "https://console.example.com/admin",
      "console.example.com",
    ]) {
      expect(() => config({ MFA_CONSOLE_ORIGIN }), MFA_CONSOLE_ORIGIN).toThrow(ConfigError);
      expect(() => config({ MFA_CONSOLE_ORIGIN }), MFA_CONSOLE_ORIGIN).toThrow(/MFA_CONSOLE_ORIGIN/);
    }
  });
});
