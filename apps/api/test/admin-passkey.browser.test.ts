// Browser: an operator's passkey in the admin console (apps/admin's build, served by the real API under /admin/ over
// a real PostgreSQL at http://localhost:PORT, the console's relying party), driven in Debian's Chromium by
// playwright-core with a CDP virtual authenticator (ctap2, internal, resident keys, user verification). The operator
// signs in with the password and the authenticator app's code, registers a passkey on "Your account", signs out, and
// signs in with the password and the passkey. The screens are saved as screenshots and checked by axe-core.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import type { CDPSession, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./support/api.js";
import { addPlatformAuthenticator, checkAndCloseBrowser, type BrowserSession } from "./support/browser.js";
import { checkScreen, openConsoleBrowser, signInOnPage } from "./support/console-page.js";

const PASSWORD = "operator passphrase for the passkey test";
const NAME = "ops-passkey";

describe("an operator's passkey in the admin console (Chromium, virtual authenticator)", () => {
  const database = useTestDatabase("admin_passkey_browser");
  let api: TestApi;
  let base = "";
  let secret = "";
  let operatorId = "";
  let browser: BrowserSession | undefined;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId = "";

  /** The operator's failure count, and how many passkey steps or registrations were refused (audited). */
  async function failuresOf(id: string): Promise<{ failures: number; refused: number }> {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      const lock = await c.query("select consecutive_failures from lockouts where tenant_id = '_console' and user_id = $1", [id]);
      const refused = await c.query(
        "select count(*)::int as n from audit_events where tenant_id = '_console' and user_id = $1 and type in ('attempt.step_failed', 'factor.confirm_failed')",
        [id],
      );
      return { failures: lock.rows[0]?.consecutive_failures ?? 0, refused: refused.rows[0].n };
    } finally {
      await c.end();
    }
  }

  async function passkeysInDatabase(): Promise<{ status: string }[]> {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      const { rows } = await c.query(
        "select status from credentials where tenant_id = '_console' and user_id = $1 and factor_id = 'passkey' and status <> 'pending'",
        [operatorId],
      );
      return rows;
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    api = await startTestApi(database.url);
    base = `http://localhost:${new URL(api.url).port}`;
    const { tenantId } = await api.tenant("admin");
    const made = await api.server.createOperator({ username: NAME, password: PASSWORD, role: "admin", scope: tenantId });
    secret = made.totpSecret;
    operatorId = made.operator.id;
    browser = await openConsoleBrowser("admin-passkey");
    page = browser.page;
    ({ cdp, authenticatorId } = await addPlatformAuthenticator(browser));
  });

  checkAndCloseBrowser(
    () => browser,
    () => api,
  );

  it("signs in with the password and the authenticator app's code (no passkey yet)", async () => {
    await page.goto(`${base}/admin/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signInOnPage(page, api, NAME, PASSWORD, secret);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  });

  it("registers a passkey on Your account: the virtual authenticator holds it, the API stores it active", async () => {
    await page.getByRole("link", { name: `Your account: ${NAME} (admin)` }).click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    await page.getByText("You have no passkey").waitFor();
    await page.getByRole("button", { name: "Register a passkey" }).click();
    await page.getByRole("status").filter({ hasText: "Passkey registered" }).waitFor();
    const remove = page.getByRole("button", { name: /^Remove passkey / });
    await expect.poll(() => remove.count()).toBe(1);
    const held = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(held.credentials).toHaveLength(1);
    expect(held.credentials[0]).toMatchObject({ rpId: "localhost", isResidentCredential: true });
    expect(await passkeysInDatabase()).toEqual([{ status: "active" }]);
    await checkScreen(page, "account-passkey");
  });

  it("signs out, then signs in with the password and the passkey", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Operator name").fill(NAME);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Your passkey" }).waitFor();
    // No code field: the passkey replaces the authenticator app for this operator.
    expect(await page.getByLabel("Code").count()).toBe(0);
    await checkScreen(page, "sign-in-passkey");
    const before = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials[0]?.signCount ?? 0;
    await page.getByRole("button", { name: "Use your passkey" }).click();
    // Signed in, back on the screen signed out from, with the passkey listed.
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    await expect.poll(() => page.getByRole("link", { name: `Your account: ${NAME} (admin)` }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("button", { name: /^Remove passkey / }).count()).toBe(1);
    // The authenticator signed: its counter moved.
    const after = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials[0]?.signCount ?? 0;
    expect(after).toBeGreaterThan(before);
  });

  it("at a host the passkeys do not belong to (127.0.0.1): the configuration problem is shown, the browser is not asked, nothing is counted", async () => {
    const at = `http://127.0.0.1:${new URL(api.url).port}`;
    const held = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials[0]?.signCount ?? 0;
    const before = await failuresOf(operatorId);
    // The sign-in's passkey step.
    await page.goto(`${at}/admin/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Operator name").fill(NAME);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Your passkey" }).waitFor();
    await page.getByRole("button", { name: "Use your passkey" }).click();
    await page.getByRole("alert").filter({ hasText: "this console is open at 127.0.0.1, but its passkeys belong to localhost" }).waitFor();
    expect((await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials[0]?.signCount ?? 0).toBe(held);
    expect(await failuresOf(operatorId)).toEqual(before);

    // Registering on Your account, as an operator without a passkey signed in there with the authenticator app.
    const { tenantId } = await api.tenant("admin");
    const other = await api.server.createOperator({ username: `${NAME}-2`, password: PASSWORD, role: "viewer", scope: tenantId });
    await page.goto(`${at}/admin/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signInOnPage(page, api, `${NAME}-2`, PASSWORD, other.totpSecret);
    await page.getByRole("link", { name: `Your account: ${NAME}-2 (viewer)` }).click();
    await page.getByRole("button", { name: "Register a passkey" }).click();
    await page.getByRole("alert").filter({ hasText: "Open the console at localhost" }).waitFor();
    expect((await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials).toHaveLength(1);
    expect(await failuresOf(other.operator.id)).toEqual({ failures: 0, refused: 0 });
  });
});
