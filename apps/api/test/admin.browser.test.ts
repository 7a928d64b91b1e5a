// Browser: the admin console (apps/admin's build, served by the real API under /admin/ over a real PostgreSQL),
// driven in Debian's Chromium by playwright-core. An operator signs in with a password and a code of their own chain
// (computed here like a phone would), sees the dashboard, finds a user enrolled through the API and their factors,
// unlocks a locked user, creates a policy with an invalid value (the API's error shown at the field), fixes it, reads
// the audit trail, where the unlock is recorded with the operator as the actor, checks its hash chain, issues an API
// key (shown once) that the API refuses once revoked, and adds a vault entry whose code it reads (checked here against
// the seed) and whose grants it changes. Each screen is saved as a screenshot (1280×800, and the users
// screen at 390 wide) and checked by axe-core: no serious or critical violation.
import { sealAuditChain } from "@mfa-chain/infra-postgres";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { encodeBase32, generateSecret, generateTotp } from "@mfa-chain/totp";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { enrollAll, startTestApi, twoFactorPolicy, type ApiClient, type TestApi } from "./support/api.js";
import { checkAndCloseBrowser, type BrowserSession } from "./support/browser.js";
import { checkScreen, openConsoleBrowser, signInOnPage } from "./support/console-page.js";

const PASSWORD = "operator passphrase for the browser test";

/** The part of the page's document the test reads (this package compiles without the DOM lib); read inside page.evaluate. */
interface PageDocument {
  readonly cookie: string;
  readonly activeElement: { readonly id: string; readonly textContent: string | null } | null;
}

describe("admin console in Chromium", () => {
  const database = useTestDatabase("admin_browser");
  let api: TestApi;
  let tenant: { tenantId: string; client: ApiClient };
  let operatorSecret = "";
  let rootSecret = "";
  let viewerSecret = "";
  let base = "";
  let browser: BrowserSession | undefined;
  let page: Page;
  /** HTTP error answers the test provokes on purpose (the invalid policy). */
  const expectedErrors = new Set<string>();

  const screen = (name: string) => checkScreen(page, name);
  const signIn = (name: string, secret: string) => signInOnPage(page, api, name, PASSWORD, secret);

  beforeAll(async () => {
    api = await startTestApi(database.url);
    base = api.url.replace("127.0.0.1", "localhost");
    const t = await api.tenant("admin");
    tenant = { tenantId: t.tenantId, client: t.client };
    expect((await tenant.client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
    // alice enrolls through the API; bob is locked by five wrong codes.
    const alice = await enrollAll(tenant.client, api.clock, { userId: "alice", policyId: "login", factorIds: ["google_auth", "ms_auth"] });
    const bob = await enrollAll(tenant.client, api.clock, { userId: "bob", policyId: "login", factorIds: ["google_auth", "ms_auth"] });
    const bobApp = bob.google_auth;
    if (!bobApp) throw new Error("bob's app");
    const attempt = await tenant.client.post("/v1/attempts", { userId: "bob", policyId: "login" });
    expect(attempt.status).toBe(201);
    for (let i = 0; i < 5; i += 1) {
      const verified = await tenant.client.post(`/v1/attempts/${attempt.body.attemptId}/verify`, {
        factorId: "google_auth",
        code: bobApp.wrong(),
      });
      expect(verified.status).toBe(200);
    }
    expect((await tenant.client.get("/v1/users/bob/lockout")).body.locked).toBe(true);
    // alice passes one step: her Google Authenticator's last use.
    const aliceAttempt = await tenant.client.post("/v1/attempts", { userId: "alice", policyId: "login" });
    const alicePassed = await tenant.client.post(`/v1/attempts/${aliceAttempt.body.attemptId}/verify`, {
      factorId: "google_auth",
      code: alice.google_auth!.next(),
    });
    expect(alicePassed.body).toMatchObject({ success: true, complete: false });
    const made = await api.server.createOperator({ username: "ops-admin", password: PASSWORD, role: "admin", scope: t.tenantId });
    operatorSecret = made.totpSecret;
    rootSecret = (await api.server.createOperator({ username: "ops-root", password: PASSWORD, role: "admin", scope: null })).totpSecret;
    viewerSecret = (await api.server.createOperator({ username: "ops-viewer", password: PASSWORD, role: "viewer", scope: t.tenantId }))
      .totpSecret;

    browser = await openConsoleBrowser("admin", expectedErrors);
    page = browser.page;
  });

  checkAndCloseBrowser(
    () => browser,
    () => api,
  );

  it("signs in with the password, then a code of the operator's authenticator app, and shows the dashboard", async () => {
    await page.goto(`${base}/admin/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screen("sign-in");
    await signIn("ops-admin", operatorSecret);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByRole("heading", { name: "Last 7 days" }).waitFor();
    await expect.poll(() => page.getByText("ops-admin (admin)").isVisible()).toBe(true);
    // The session cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate(() => (globalThis as unknown as { document: PageDocument }).document.cookie)).toBe("");
    // Enrollments from the API are counted: alice's two and bob's two.
    await expect
      .poll(
        async () =>
          (await page.locator("figure", { hasText: "Last 7 days" }).locator("tr", { hasText: "Enrollments" }).textContent()) ?? "",
      )
      .toMatch(/4$/);
    await screen("dashboard");
  });

  it("finds a user enrolled through the API by searching, with their factors' kind, label, status and last use", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    // Every user of the tenant is listed; a prefix narrows the list.
    const found = page.getByRole("navigation", { name: "Users found" }).getByRole("link");
    await expect.poll(() => found.allTextContents()).toEqual(["alice", "bob"]);
    await page.getByLabel("User id starts with").fill("al");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => found.allTextContents()).toEqual(["alice"]);
    await found.first().click();
    await page.getByRole("heading", { name: "User alice" }).waitFor();
    const rows = page.locator("table tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    // alice passed her Google Authenticator step through the API: its last use is shown; the other was never used.
    await expect
      .poll(async () => (await rows.nth(0).textContent()) ?? "")
      .toMatch(/Google Authenticator.*totp.*active.*\d{1,2}:\d{2}:\d{2}/);
    // Polled: the last uses load on their own (the row shows "…" until then).
    await expect
      .poll(async () => (await rows.nth(1).textContent()) ?? "")
      .toMatch(/Microsoft Authenticator.*totp.*active.*—Revoke Microsoft Authenticator$/);
    await screen("users");
    // At 390 wide the same screen is usable: the table scrolls in its own box.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("button", { name: "Search" }).waitFor();
    await screen("users-390");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("unlocks a locked user, and the API agrees", async () => {
    await page.getByLabel("User id starts with").fill("bob");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("navigation", { name: "Users found" }).getByRole("link", { name: "bob" }).click();
    await page.getByText(/^Locked until/).waitFor();
    await screen("users-locked");
    await page.getByRole("button", { name: "Unlock bob" }).click();
    await page.getByText("Unlocked.").waitFor();
    await page.getByText(/^Not locked/).waitFor();
    const lockout = await tenant.client.get("/v1/users/bob/lockout");
    expect(lockout.body.locked).toBe(false);
  });

  it("creates a policy with an invalid value, shows the API's error at the field, and saves it once fixed", async () => {
    await page.getByRole("link", { name: "Policies" }).click();
    await page.getByRole("heading", { name: "Policies" }).waitFor();
    await page.getByRole("cell", { name: "login" }).waitFor();
    await screen("policies");
    await page.getByRole("link", { name: "New policy" }).click();
    await page.getByRole("heading", { name: "New policy" }).waitFor();
    await page.getByLabel("Policy id").fill("console-made");
    await page.getByLabel("Name").fill("Made in the console");
    await page.getByLabel("Required steps").fill("3");
    expectedErrors.add("400 POST /v1/policies");
    await page.getByRole("button", { name: "Create policy" }).click();
    const steps = page.getByLabel("Required steps");
    await expect.poll(() => steps.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await steps.getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/at most the number of factors \(1\), got 3/);
    await screen("policy-error");
    await steps.fill("1");
    await page.getByRole("button", { name: "Create policy" }).click();
    await page.getByRole("heading", { name: "Policy console-made" }).waitFor();
    expect(await page.getByLabel("Required steps").getAttribute("aria-invalid")).toBeNull();
    const saved = await tenant.client.get("/v1/policies/console-made");
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ name: "Made in the console", requiredSteps: 1, version: 1 });
    await screen("policy-editor");
  });

  it("saves a new version, shows the history with a diff of two versions, and previews the draw the API makes", async () => {
    await page.getByLabel("Mode").selectOption("random");
    await page.getByRole("button", { name: "Add a factor" }).click();
    await page.getByLabel("Factor 2 label").fill("Backup app");
    await page.getByLabel("Required steps").fill("2");
    await page.getByRole("button", { name: "Save a new version" }).click();
    await page.getByText("Saved version 2.").waitFor();
    const versions = page.getByRole("table", { name: "Versions of console-made" }).locator("tbody tr");
    await expect.poll(() => versions.count()).toBe(2);
    expect(await versions.nth(0).textContent()).toMatch(/^2.*random2 of 2/);
    // The diff of version 1 to version 2: what changed, nothing else.
    const changes = page.getByRole("table", { name: "Changes from version 1 to version 2" }).locator("tbody tr");
    await expect
      .poll(() => changes.allTextContents())
      .toEqual(["modefixedrandom", "requiredSteps12", "factor factor_2—added: Backup app (totp)"]);
    // The same version on both sides: no difference.
    await page.getByLabel("From version").selectOption("2");
    await page.getByText("Versions 2 and 2 are the same.").waitFor();
    await page.getByLabel("From version").selectOption("1");
    // The preview of the latest version: drawn by the API (random, 2 of 2: two possible chains).
    await page.getByRole("button", { name: "Draw 5 chains" }).click();
    const preview = page.getByRole("status", { name: "Chain preview" });
    await expect
      .poll(async () => (await preview.locator(".verdict").textContent()) ?? "")
      .toBe("Random order: each attempt draws 2 of 2 factors in a random order (2 possible chains).");
    const samples = await preview.locator("li").allTextContents();
    expect(samples).toHaveLength(5);
    for (const chain of samples) expect(["Authenticator app → Backup app", "Backup app → Authenticator app"]).toContain(chain);
    await screen("policy-history");
    await page.getByLabel("Version to preview").selectOption("1");
    await page.getByRole("button", { name: "Draw 5 chains" }).click();
    await expect
      .poll(async () => (await preview.locator(".verdict").textContent()) ?? "")
      .toBe("Fixed order: every attempt passes the first 1 of 1 factors, in policy order.");
    expect(await preview.locator("li").allTextContents()).toEqual(Array(5).fill("Authenticator app"));
  });

  it("shows the audit trail, filtered by user: the unlock, by the operator; and the hash chain's verdict", async () => {
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit trail" }).waitFor();
    await page.getByLabel("User id").fill("bob");
    await page.getByLabel("Event type").selectOption("user.unlocked");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const rows = page.locator("table tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).textContent()).toMatch(/user\.unlocked.*operator op_/);
    // The hash chain: sealed (as the background job does), checked, and the verdict shown.
    await sealAuditChain(api.server.database.db, tenant.tenantId);
    await page.getByRole("button", { name: "Check the hash chain" }).click();
    await expect.poll(async () => (await page.locator(".verdict").textContent()) ?? "").toMatch(/^Intact\. \d+ sealed events verified\.$/);
    await screen("audit");
  });

  it("issues an API key (shown once), which works, then revokes it, and the API refuses it", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await page.getByLabel("Key name").fill("reporting");
    await page.getByLabel("Role").selectOption("service");
    await page.getByRole("button", { name: "Issue a key" }).click();
    const shown = page.getByTestId("issued-key");
    await shown.waitFor();
    const key = ((await shown.textContent()) ?? "").trim();
    const asKey = () => fetch(`${api.url}/v1/policies`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await asKey()).toBe(200);
    await page.getByRole("button", { name: "I have copied it" }).click();
    // Shown once: gone from the page once dismissed, and never in the list.
    await expect.poll(() => shown.count()).toBe(0);
    await page.getByRole("cell", { name: "reporting", exact: true }).waitFor();
    expect(await page.content()).not.toContain(key);
    await screen("api-keys");
    await page.getByRole("button", { name: "Revoke reporting" }).click();
    await page.locator("tr", { hasText: "reporting" }).getByText("revoked").waitFor();
    expect(await asKey()).toBe(401);
  });

  it("is usable from the keyboard: the skip link comes first and takes focus to the content", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (globalThis as unknown as { document: PageDocument }).document.activeElement?.textContent)).toBe(
      "Skip to content",
    );
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => (globalThis as unknown as { document: PageDocument }).document.activeElement?.id)).toBe("main");
  });

  it("adds a vault entry (the API's error at the seed field first), reads its code once, and grants and revokes access", async () => {
    const secret = generateSecret();
    const seed = encodeBase32(secret);
    await page.getByRole("link", { name: "Vault" }).click();
    await page.getByRole("heading", { name: "Vault", exact: true }).waitFor();
    await page.getByText("This tenant's vault has no entries.").waitFor();
    await page.getByLabel("Entry name").fill("Payroll SaaS");
    const seedField = page.getByLabel("Seed");
    expect(await seedField.getAttribute("type")).toBe("password");
    // 40 bits: the API wants at least 80, and says so at the field.
    await seedField.fill("JBSWY3DP");
    await page.getByLabel("Algorithm").selectOption("SHA256");
    await page.getByLabel("Digits").selectOption("8");
    expectedErrors.add("400 POST /v1/vault/entries");
    await page.getByRole("button", { name: "Add the entry" }).click();
    await expect.poll(() => seedField.getAttribute("aria-invalid")).toBe("true");
    const errorId = ((await seedField.getAttribute("aria-describedby")) ?? "").split(" ").at(-1);
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toMatch(/under 80 bits/);
    expect((await tenant.client.get("/v1/vault/entries")).body.entries).toEqual([]);
    await seedField.fill(seed);
    await page.getByRole("button", { name: "Add the entry" }).click();
    await page.getByText("Added Payroll SaaS. Its seed is sealed and will not be shown again.").waitFor();
    await page.getByRole("row", { name: /^Payroll SaaS TOTP · SHA256 · 8 digits · 30 s/ }).waitFor();
    // The seed is never shown back: the field is emptied, and the page holds it nowhere.
    expect(await seedField.inputValue()).toBe("");
    expect(await seedField.getAttribute("aria-invalid")).toBeNull();
    expect(await page.content()).not.toContain(seed);
    const listed = (await tenant.client.get("/v1/vault/entries")).body.entries;
    expect(listed).toMatchObject([{ name: "Payroll SaaS", type: "totp", algorithm: "SHA256", digits: 8, period: 30, grants: [] }]);
    const entryId = listed[0].id as string;

    // The code, read by the operator: the one a phone holding the seed shows for the step that ends at validUntil.
    await page.getByRole("heading", { name: "Entry Payroll SaaS" }).waitFor();
    await page.getByRole("button", { name: "Read the code of Payroll SaaS" }).click();
    const shown = page.getByRole("status", { name: "Code of Payroll SaaS" });
    const code = shown.getByTestId("vault-code");
    await code.waitFor();
    const until = Date.parse((await shown.locator("time").first().getAttribute("datetime")) ?? "");
    expect(until - api.clock.now()).toBeGreaterThan(0);
    expect(until - api.clock.now()).toBeLessThanOrEqual(30_000);
    expect(await code.textContent()).toBe(generateTotp(secret, until - 30_000, { algorithm: "SHA256", digits: 8, period: 30 }));
    const left = Number(await shown.getByTestId("vault-code-left").textContent());
    expect(left).toBeGreaterThanOrEqual(1);
    expect(left).toBeLessThanOrEqual(30);
    // Audited by the API, with the operator as the actor and the time step (never the code).
    const reads = (await tenant.client.get("/v1/audit-events?type=vault.code_read")).body.events;
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ actor: { kind: "operator" }, data: { entryId, timeStep: until / 30_000 - 1 } });
    expect(JSON.stringify(reads[0])).not.toContain((await code.textContent()) ?? "");
    await screen("vault");
    await page.getByRole("button", { name: "Hide the code" }).click();
    await expect.poll(() => code.count()).toBe(0);

    // Grants: to a user and to a group, then one revoked; the API agrees each time.
    const grantsOf = async () => (await tenant.client.get(`/v1/vault/entries/${entryId}`)).body.grants;
    await page.getByLabel("Principal kind").selectOption("user");
    await page.getByLabel("User or group id").fill("alice");
    await page.getByLabel("Permission").selectOption("read_code");
    await page.getByRole("button", { name: "Grant", exact: true }).click();
    await page.getByRole("button", { name: "Revoke read_code of user:alice" }).waitFor();
    await page.getByLabel("Principal kind").selectOption("group");
    await page.getByLabel("User or group id").fill("finance");
    await page.getByLabel("Permission").selectOption("manage");
    await page.getByRole("button", { name: "Grant", exact: true }).click();
    await page.getByRole("button", { name: "Revoke manage of group:finance" }).waitFor();
    expect(await grantsOf()).toHaveLength(2);
    expect(await grantsOf()).toEqual(
      expect.arrayContaining([
        { principal: { kind: "user", id: "alice" }, permission: "read_code" },
        { principal: { kind: "group", id: "finance" }, permission: "manage" },
      ]),
    );
    await screen("vault-grants");
    await page.getByRole("button", { name: "Revoke read_code of user:alice" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Revoke read_code of user:alice" }).count()).toBe(0);
    expect(await grantsOf()).toEqual([{ principal: { kind: "group", id: "finance" }, permission: "manage" }]);
  });

  it("lists a user's remembered devices and revokes one, then all, and the API agrees", async () => {
    // carol enrolls and completes two attempts through the API, each remembered as a device.
    const carol = await enrollAll(tenant.client, api.clock, { userId: "carol", policyId: "login", factorIds: ["google_auth", "ms_auth"] });
    for (const label of ["laptop", "phone"]) {
      const attempt = await tenant.client.post("/v1/attempts", { userId: "carol", policyId: "login" });
      for (const factorId of ["google_auth", "ms_auth"] as const) {
        const passed = await tenant.client.post(`/v1/attempts/${attempt.body.attemptId}/verify`, {
          factorId,
          code: carol[factorId]!.next(),
        });
        expect(passed.body.success).toBe(true);
      }
      expect((await tenant.client.post("/v1/devices", { attemptId: attempt.body.attemptId, label })).status).toBe(201);
    }
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByLabel("User id starts with").fill("carol");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("navigation", { name: "Users found" }).getByRole("link", { name: "carol" }).click();
    await page.getByRole("heading", { name: "Remembered devices" }).waitFor();
    const devices = page.getByRole("table", { name: "Remembered devices of carol" }).locator("tbody tr");
    await expect
      .poll(async () => (await devices.allTextContents()).sort())
      .toEqual([
        expect.stringMatching(/^laptopactive.*Revoke device laptop$/),
        expect.stringMatching(/^phoneactive.*Revoke device phone$/),
      ]);
    await page.getByRole("button", { name: "Revoke device laptop" }).click();
    await expect.poll(async () => (await devices.filter({ hasText: "laptop" }).textContent()) ?? "").toMatch(/^laptoprevoked/);
    const listed = async () =>
      ((await tenant.client.get("/v1/users/carol/devices")).body.devices as { label: string; revokedAt: string | null }[])
        .map((d) => `${d.label} ${d.revokedAt ? "revoked" : "live"}`)
        .sort();
    expect(await listed()).toEqual(["laptop revoked", "phone live"]);
    await page.getByRole("button", { name: "Revoke all devices of carol" }).click();
    await page.getByText("Revoked 1 devices.").waitFor();
    await expect.poll(async () => (await devices.filter({ hasText: "phone" }).textContent()) ?? "").toMatch(/^phonerevoked/);
    expect(await listed()).toEqual(["laptop revoked", "phone revoked"]);
  });

  it("requests a recovery with the verification and a reference (the API's error at the field first); executing it early is refused", async () => {
    const verification = page.getByLabel("How the identity was verified").first();
    await verification.fill("!not allowed");
    await page.getByLabel("Reference (ticket)").first().fill("TICKET-42");
    expectedErrors.add("400 POST /v1/users/carol/recoveries");
    await page.getByRole("button", { name: "Request a recovery" }).click();
    await expect.poll(() => verification.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator(`[id="${await verification.getAttribute("aria-describedby")}"]`).textContent()).toMatch(/1-64 of/);
    expect((await tenant.client.get("/v1/users/carol/recoveries")).body.recoveries).toEqual([]);
    await verification.fill("video_call");
    await page.getByRole("button", { name: "Request a recovery" }).click();
    await page.getByText(/^Requested; due /).waitFor();
    const recoveries = (await tenant.client.get("/v1/users/carol/recoveries")).body.recoveries;
    expect(recoveries).toMatchObject([{ state: "requested", verification: "video_call", reference: "TICKET-42" }]);
    const rows = page.getByRole("table", { name: "Recoveries of carol" }).locator("tbody tr");
    await expect.poll(async () => (await rows.nth(0).textContent()) ?? "").toMatch(/^requestedvideo_callTICKET-42/);
    // The tenant's delay (24 h by default) has not passed: the API refuses, and the console says why.
    expectedErrors.add(`409 POST /v1/recoveries/${recoveries[0].id}/execute`);
    await page.getByRole("button", { name: "Execute recovery TICKET-42" }).click();
    await page.getByRole("alert").filter({ hasText: "recovery_not_due" }).waitFor();
    expect((await tenant.client.get("/v1/users/carol/factors")).body.factors.every((f: { status: string }) => f.status === "active")).toBe(
      true,
    );
    // No immediate reset while the delay is on.
    expect(await page.getByRole("button", { name: "Reset all factors of carol" }).count()).toBe(0);
    await screen("users-recovery");
  });

  it("shows the tenant's settings; a lowered recovery delay waits for the old one, then is in force", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await expect.poll(() => page.getByTestId("delay-in-force").textContent()).toBe("1 d");
    expect(await page.getByTestId("delay-pending").textContent()).toBe("none");
    const delay = page.getByLabel("Recovery delay (seconds)");
    await delay.fill("-5");
    expectedErrors.add("400 PUT /v1/settings");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => delay.getAttribute("aria-invalid")).toBe("true");
    expect((await tenant.client.get("/v1/settings")).body.pendingRecoveryDelay).toBeNull();
    await delay.fill("0");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    expect(await page.getByTestId("delay-in-force").textContent()).toBe("1 d");
    expect(await page.getByTestId("delay-pending").textContent()).toMatch(/^off, in force from /);
    expect((await tenant.client.get("/v1/settings")).body).toMatchObject({
      recoveryDelaySeconds: 86_400,
      pendingRecoveryDelay: { recoveryDelaySeconds: 0 },
    });
    await screen("settings");
    // The old delay passes (moved in the database, whose clock decides): the lowered value is in force.
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query("update tenant_settings set pending_recovery_delay_at = now() - interval '1 second' where tenant_id = $1", [
        tenant.tenantId,
      ]);
    } finally {
      await db.end();
    }
    await page.reload();
    await expect.poll(() => page.getByTestId("delay-in-force").textContent()).toBe("off");
  });

  it("with the delay off, executes a recovery at once and resets all of a user's factors, and the API agrees", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByLabel("User id starts with").fill("alice");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("navigation", { name: "Users found" }).getByRole("link", { name: "alice" }).click();
    await page.getByRole("heading", { name: "User alice" }).waitFor();
    await page.getByLabel("How the identity was verified").first().fill("id_document");
    await page.getByLabel("Reference (ticket)").first().fill("TICKET-43");
    await page.getByRole("button", { name: "Request a recovery" }).click();
    await page.getByRole("button", { name: "Execute recovery TICKET-43" }).click();
    await page.getByText("Recovery executed: 2 factors revoked.").waitFor();
    const rows = page.getByRole("table", { name: "Recoveries of alice" }).locator("tbody tr");
    await expect.poll(async () => (await rows.nth(0).textContent()) ?? "").toMatch(/^completedid_documentTICKET-43/);
    const statuses = async (userId: string) =>
      ((await tenant.client.get(`/v1/users/${userId}/factors`)).body.factors as { status: string }[]).map((f) => f.status);
    expect(await statuses("alice")).toEqual(["revoked", "revoked"]);

    await page.getByLabel("User id starts with").fill("bob");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("navigation", { name: "Users found" }).getByRole("link", { name: "bob" }).click();
    await page.getByRole("heading", { name: "Reset all factors now" }).waitFor();
    await page.getByLabel("How the identity was verified").nth(1).fill("video_call");
    await page.getByLabel("Reference (ticket)").nth(1).fill("TICKET-44");
    await page.getByRole("button", { name: "Reset all factors of bob" }).click();
    await page.getByText("Reset: 2 factors revoked.").waitFor();
    expect(await statuses("bob")).toEqual(["revoked", "revoked"]);
    await screen("users-reset");
  });

  it("signs out: the console shows the sign-in again and the API refuses the old session", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expectedErrors.add("401 GET /v1/policies");
    const again = await page.evaluate(async () => (await fetch("/v1/policies")).status);
    expect(again).toBe(401);
  });

  it("an operator of every tenant lists tenants, creates one, and chooses the tenant to work on there", async () => {
    await signIn("ops-root", rootSecret);
    await page.getByRole("link", { name: "Choose a tenant" }).click();
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    await page.getByRole("row", { name: new RegExp(`^${tenant.tenantId} `) }).waitFor();
    // The console's own tenant is never listed.
    expect(await page.getByRole("cell", { name: "console", exact: true }).count()).toBe(0);
    await page.getByLabel("New tenant id").fill("made-in-console");
    await page.getByLabel("Tenant name").fill("Made in the console");
    await page.getByRole("button", { name: "Create tenant" }).click();
    await page.getByText("Created made-in-console.").waitFor();
    await page.getByRole("row", { name: /^made-in-console Made in the console/ }).waitFor();
    await screen("tenants");
    await page.getByLabel("Tenant id starts with").fill(tenant.tenantId);
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator("table tbody tr").count()).toBe(1);
    await page.getByRole("button", { name: `Work on ${tenant.tenantId}` }).click();
    await page.getByText("working on it").waitFor();
    await page.getByRole("link", { name: "Users" }).click();
    const found = page.getByRole("navigation", { name: "Users found" }).getByRole("link");
    await expect.poll(() => found.allTextContents()).toEqual(["alice", "bob", "carol"]);
  });

  it("a viewer operator sees a user's devices and the settings, with no button to act, and the vault's explanation instead of it", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn("ops-viewer", viewerSecret);
    await page.getByText("ops-viewer (viewer)").waitFor();
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByLabel("User id starts with").fill("carol");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("navigation", { name: "Users found" }).getByRole("link", { name: "carol" }).click();
    const devices = page.getByRole("table", { name: "Remembered devices of carol" }).locator("tbody tr");
    await expect.poll(() => devices.count()).toBe(2);
    await page.getByText("Only an admin operator reads, requests and executes recoveries.").waitFor();
    expect(await page.getByRole("main").getByRole("button").allTextContents()).toEqual(["Search"]);
    await screen("users-viewer");
    await page.getByRole("link", { name: "Settings" }).click();
    await expect.poll(() => page.getByTestId("delay-in-force").textContent()).toBe("off");
    await page.getByText("Only an admin operator changes the settings.").waitFor();
    expect(await page.getByRole("button", { name: "Save settings" }).count()).toBe(0);
    await screen("settings-viewer");
    // The vault: the API refuses a viewer (codes are audited, HOTP reads move counters); the screen says so and asks nothing.
    await page.getByRole("link", { name: "Vault" }).click();
    await page.getByText(/^Only admin operators use the shared vault/).waitFor();
    expect(await page.getByRole("main").getByRole("button").count()).toBe(0);
    expect(await page.getByRole("main").getByRole("table").count()).toBe(0);
    await screen("vault-viewer");
  });
});
