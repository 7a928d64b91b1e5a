// Browser: the passkey demo page (public/demo/passkey.html), served by the real app over a real PostgreSQL at
// http://localhost:PORT, driven in Debian's Chromium by playwright-core with a CDP virtual authenticator (ctap2,
// internal transport, resident keys, user verification). The page sets the relying party (RP id localhost), enrolls an
// authenticator app and a passkey through the API, and passes the chain TOTP → passkey; the test checks the result
// through the HTTP API and the database, and saves a screenshot of the passing chain. No secret or code is printed.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import pg from "pg";
import type { CDPSession, Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiClient, startTestApi, type TestApi } from "./support/api.js";
import { addPlatformAuthenticator, checkAndCloseBrowser, openChromium, SCREENSHOTS, type BrowserSession } from "./support/browser.js";

const SCREENSHOT = join(SCREENSHOTS, "webauthn-chain.png");
const TOTP = { algorithm: "SHA1", digits: 6, period: 30 } as const;
const USER = "pat";

async function expectText(locator: Locator, pattern: RegExp): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? "", { timeout: 5_000, interval: 50 }).toMatch(pattern);
}

describe("passkey demo in Chromium (virtual authenticator)", () => {
  const database = useTestDatabase("webauthn_browser");
  let api: TestApi | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let origin: string;
  let totpKey: Uint8Array;
  let lastStep = -1;

  /** The authenticator app's next code: a time step later than the last one sent, never near a boundary. */
  async function nextCode(): Promise<string> {
    const periodMs = TOTP.period * 1000;
    const untilBoundary = periodMs - (api!.clock.now() % periodMs);
    if (untilBoundary < 2_000) await new Promise((ok) => setTimeout(ok, untilBoundary + 50));
    const now = timeStepAt(api!.clock.now(), TOTP.period);
    const step = Math.max(now - 1, lastStep + 1);
    lastStep = step;
    return generateTotp(totpKey, step * periodMs, TOTP);
  }

  const $ = (id: string) => page.getByTestId(id);

  beforeAll(async () => {
    api = await startTestApi(database.url, { MFA_DEMO: "true" });
    origin = `http://localhost:${new URL(api.url).port}`;
    browser = await openChromium({ name: "webauthn", viewport: { width: 1000, height: 900 }, timeoutMs: 10_000 });
    page = browser.page;
    ({ cdp, authenticatorId } = await addPlatformAuthenticator(browser));
  });

  checkAndCloseBrowser(
    () => browser,
    () => api,
  );

  it("sets the relying party to the page (RP id localhost, its http origin) and the chain's policy", async () => {
    await page.goto(`${origin}/demo/passkey.html`);
    await page.locator("body[data-ready=true]").waitFor();
    await expectText($("rp-id"), /^localhost$/);
    await expectText($("rp-origin"), new RegExp(`^${origin.replace(/[.]/g, "\\.")}$`));
    await expectText($("policy-id"), /^demo-passkey$/);
    await $("user-id").fill(USER);
    await $("user-apply").click();
    await expectText($("current-user"), new RegExp(`^${USER}$`));
  });

  it("enrolls an authenticator app and a passkey (created by the virtual authenticator, registered through the API)", async () => {
    await $("totp-enroll").click();
    await $("totp-setup").waitFor({ state: "visible" });
    const secret = ((await $("totp-secret").textContent()) ?? "").trim();
    expect(/^[A-Z2-7]{16,}=*$/.test(secret), "the page shows a base32 secret").toBe(true);
    totpKey = decodeBase32(secret);
    await $("totp-confirm-code").fill(await nextCode());
    await $("totp-confirm").click();
    await expectText($("totp-status"), /^enrolled$/);
    expect(await $("totp-secret").textContent()).toBe("");

    await $("passkey-enroll").click();
    await expectText($("passkey-status"), /^enrolled$/);
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ rpId: "localhost", isResidentCredential: true });
  });

  it("passes the chain TOTP → passkey, checked through the API and the database; a screenshot is saved", async () => {
    await $("start").click();
    await expectText($("step-number"), /^1$/);
    await expectText($("step-label"), /^Authenticator app$/);
    await $("code").fill(await nextCode());
    await $("verify").click();
    await expectText($("step-number"), /^2$/);
    await expectText($("step-label"), /^Passkey$/);
    await $("use-passkey").click();
    await expectText($("result"), /^Signed in: every step of the chain passed\.$/);

    // Through the API: the user's passkey is active, and the attempt the page ran is complete.
    const { apiKey } = (await (await fetch(`${api!.url}/demo/config.json`)).json()) as { apiKey: string };
    const client = new ApiClient(api!.url, apiKey);
    const factors = (await client.get(`/v1/users/${USER}/factors`)).body.factors as { factorId: string; status: string; type: string }[];
    expect(
      factors
        .filter((f) => f.status === "active")
        .map((f) => f.type)
        .sort(),
    ).toEqual(["totp", "webauthn"]);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        `select a.status, w.sign_count, w.transports, c.purpose, c.consumed_at from attempts a
         join credentials cr on cr.tenant_id = a.tenant_id and cr.user_id = a.user_id and cr.type = 'webauthn' and cr.status = 'active'
         join webauthn_credentials w on w.tenant_id = cr.tenant_id and w.credential_id = cr.id
         join one_time_challenges c on c.tenant_id = a.tenant_id and c.attempt_id = a.id
         where a.user_id = $1 and a.policy_id = 'demo-passkey'`,
        [USER],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "completed", purpose: "webauthn_get" });
      expect(rows[0].consumed_at).not.toBeNull();
      expect(rows[0].transports).toContain("internal");
    } finally {
      await db.end();
    }
    // The screenshot shows no secret and no code: the enrollment is confirmed and the code field was cleared.
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("a passkey the virtual authenticator no longer holds cannot pass the step", async () => {
    await cdp.send("WebAuthn.clearCredentials", { authenticatorId });
    await $("start").click();
    await expectText($("step-number"), /^1$/);
    await $("code").fill(await nextCode());
    await $("verify").click();
    await expectText($("step-label"), /^Passkey$/);
    await $("use-passkey").click();
    // The browser finds no credential for the request and refuses: the page reports it, the step stays unpassed.
    await expect.poll(async () => $("error").isVisible()).toBe(true);
    expect(await $("error").textContent()).toMatch(/NotAllowedError|not allowed|timed out/i);
    expect(await $("result").textContent()).toBe("");
  });
});
