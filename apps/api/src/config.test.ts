import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const message = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("configuration from the environment", () => {
  it("applies the defaults, and treats a variable set to nothing as not set", () => {
    const c = loadConfig({ PORT: "", SHUTDOWN_GRACE_SECONDS: " " });
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      SHUTDOWN_GRACE_SECONDS: 20,
      MFA_DEMO: true,
      MFA_DEV_CODES: false,
      TRUSTED_PROXIES: [],
    });
  });

  it("refuses numbers that are not plain whole numbers in range, naming the variable", () => {
    for (const PORT of ["0x50", "1e3", "-1", "80.5", "eighty", "70000"]) expect(message({ PORT }), PORT).toContain("PORT");
    expect(message({ SHUTDOWN_GRACE_SECONDS: "301" })).toContain("SHUTDOWN_GRACE_SECONDS");
    expect(loadConfig({ PORT: " 8080 " }).PORT).toBe(8080);
  });

  it("needs a keyring and a code-hash key with PostgreSQL, and turns the demo off there unless asked", () => {
    expect(message({ DATABASE_URL: "postgres://db/mfa" })).toContain("MFA_SECRET_KEYS");
    expect(message({ DATABASE_URL: "postgres://db/mfa", MFA_SECRET_KEYS: "k1:x" })).toContain(
      "MFA_CODE_HASH_KEY: required when DATABASE_URL is set",
    );
    expect(message({ DATABASE_URL: "mysql://db/mfa", MFA_SECRET_KEYS: "k1:x" })).toContain(
      "DATABASE_URL: expected a postgres:// or postgresql:// URL",
    );
    expect(loadConfig({ DATABASE_URL: "postgres://db/mfa", MFA_SECRET_KEYS: "k1:x", MFA_CODE_HASH_KEY: "x" }).MFA_DEMO).toBe(false);
  });

  it("serves the demo page (which hands out a demo admin key) on loopback only", () => {
    expect(loadConfig({ HOST: "0.0.0.0" }).MFA_DEMO).toBe(false);
    expect(message({ HOST: "0.0.0.0", MFA_DEMO: "true" })).toContain("MFA_DEMO");
    expect(loadConfig({ HOST: "::1" }).MFA_DEMO).toBe(true);
  });

  it("S32 turns the live-code endpoint on only when asked, in development, on loopback", () => {
    expect(loadConfig({}).MFA_DEV_CODES).toBe(false);
    expect(loadConfig({ MFA_DEV_CODES: "true" }).MFA_DEV_CODES).toBe(true);
    expect(message({ MFA_DEV_CODES: "true", NODE_ENV: "production" })).toMatch(/MFA_DEV_CODES: .*NODE_ENV is production/);
    expect(message({ MFA_DEV_CODES: "true", HOST: "0.0.0.0" })).toMatch(/MFA_DEV_CODES: .*not loopback/);
    expect(loadConfig({ NODE_ENV: "production", HOST: "0.0.0.0" }).MFA_DEV_CODES).toBe(false);
  });

  it("takes GEOIP_DATABASE alone, or with GEOIP_ASN_DATABASE, never the ASN database alone", () => {
    expect(loadConfig({}).GEOIP_DATABASE).toBeUndefined();
    expect(loadConfig({ GEOIP_DATABASE: "geo/country.mmdb", GEOIP_ASN_DATABASE: "geo/asn.mmdb" })).toMatchObject({
      GEOIP_DATABASE: "geo/country.mmdb",
      GEOIP_ASN_DATABASE: "geo/asn.mmdb",
    });
    expect(message({ GEOIP_ASN_DATABASE: "geo/asn.mmdb" })).toMatch(/GEOIP_ASN_DATABASE: set GEOIP_DATABASE too/);
  });

  it("refuses unknown boolean spellings and log levels", () => {
    expect(message({ MFA_DEV_CODES: "on" })).toContain("MFA_DEV_CODES");
    expect(message({ LOG_LEVEL: "verbose" })).toContain("LOG_LEVEL");
    expect(message({ REDIS_URL: "http://127.0.0.1:6379" })).toMatch(/REDIS_URL: expected a redis/);
  });
});
