// Browser: the admin console's vault groups and its chain preview for one user (issue 15), in Debian's Chromium over
// the real API and PostgreSQL. An admin operator sees a group that only a grant names, creates its members (the API's
// errors at the group id and members fields first), edits them, grants an entry to the group from the grant form, and
// removes the group; the API agrees each time. The policy's preview for a user shows the factors they have enrolled
// and, for one who cannot start, why; an unknown user is said at the field. A viewer sees the groups and no button.
// Each screen is saved as a screenshot and checked by axe-core.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { enrollAll, startTestApi, twoFactorPolicy, type ApiClient, type TestApi } from "./support/api.js";
import { checkAndCloseBrowser, type BrowserSession } from "./support/browser.js";
import { checkScreen, openConsoleBrowser, signInOnPage } from "./support/console-page.js";

const PASSWORD = "operator passphrase for the groups test";

describe("admin console: vault groups and a user's chain preview, in Chromium", () => {
  const database = useTestDatabase("admin_groups_browser");
  let api: TestApi;
  let tenant: { tenantId: string; client: ApiClient };
  let adminSecret = "";
  let viewerSecret = "";
  let base = "";
  let browser: BrowserSession | undefined;
  let page: Page;
  /** HTTP error answers the test provokes on purpose. */
  const expectedErrors = new Set<string>();
  const groupsOf = async () => (await tenant.client.get("/v1/vault/groups")).body.groups;

  /** The error text a field points at with aria-describedby, once it is marked invalid. */
  async function errorAt(label: string): Promise<string> {
    const field = page.getByLabel(label, { exact: true });
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    const errorId = (await field.getAttribute("aria-describedby")) ?? "";
    return (await page.locator(`[id="${errorId}"]`).textContent()) ?? "";
  }

  beforeAll(async () => {
    api = await startTestApi(database.url);
    base = api.url.replace("127.0.0.1", "localhost");
    const t = await api.tenant("admin");
    tenant = { tenantId: t.tenantId, client: t.client };
    expect((await tenant.client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
    await enrollAll(tenant.client, api.clock, { userId: "both", policyId: "login", factorIds: ["google_auth", "ms_auth"] });
    await enrollAll(tenant.client, api.clock, { userId: "one", policyId: "login", factorIds: ["ms_auth"] });
    // An entry granted to a group that has no members yet.
    const entry = await tenant.client.post("/v1/vault/entries", { name: "Payroll SaaS", secret: "JBSWY3DPEHPK3PXPJBSWY3DP" });
    expect(entry.status).toBe(201);
    const grant = { principal: { kind: "group", id: "ops" }, permission: "read_code" };
    expect((await tenant.client.post(`/v1/vault/entries/${entry.body.id}/grants`, grant)).status).toBe(200);
    const scope = t.tenantId;
    adminSecret = (await api.server.createOperator({ username: "groups-admin", password: PASSWORD, role: "admin", scope })).totpSecret;
    viewerSecret = (await api.server.createOperator({ username: "groups-viewer", password: PASSWORD, role: "viewer", scope })).totpSecret;
    browser = await openConsoleBrowser("admin-groups", expectedErrors);
    page = browser.page;
    await page.goto(`${base}/admin/`);
    await signInOnPage(page, api, "groups-admin", PASSWORD, adminSecret);
    await page.getByText("groups-admin (admin)").waitFor();
  });

  checkAndCloseBrowser(
    () => browser,
    () => api,
  );

  it("creates a group's members (the API's errors at the fields first), edits them, and the API agrees", async () => {
    await page.getByRole("link", { name: "Vault" }).click();
    const rows = page.getByRole("table", { name: "Vault groups and their members" }).locator("tbody tr");
    // The group only a grant names: no members, and which grant names it.
    await expect
      .poll(() => rows.allTextContents())
      .toEqual([expect.stringMatching(/^opsno members: its grants reach no one.*Payroll SaaS \(read_code\)/)]);

    expectedErrors.add("400 PUT /v1/vault/groups/Ops%20Team");
    await page.getByLabel("Group id", { exact: true }).fill("Ops Team");
    await page.getByLabel("Members (user ids, separated by commas)").fill("bob");
    await page.getByRole("button", { name: "Save the group" }).click();
    expect(await errorAt("Group id")).toMatch(/lowercase slugs/);

    expectedErrors.add("400 PUT /v1/vault/groups/ops");
    await page.getByLabel("Group id", { exact: true }).fill("ops");
    await page.getByLabel("Members (user ids, separated by commas)").fill("bob, not/a/user");
    await page.getByRole("button", { name: "Save the group" }).click();
    expect(await errorAt("Members (user ids, separated by commas)")).toMatch(/^"not\/a\/user": user ids are/);
    expect(await page.getByLabel("Group id", { exact: true }).getAttribute("aria-invalid")).toBeNull();
    expect(await groupsOf()).toEqual([]);
    await checkScreen(page, "vault-groups-error");

    await page.getByLabel("Members (user ids, separated by commas)").fill("carol, bob");
    await page.getByRole("button", { name: "Save the group" }).click();
    await page.getByText("Group ops: bob, carol.").waitFor();
    await expect
      .poll(() => rows.allTextContents())
      .toEqual([expect.stringMatching(/^opsbob, carolPayroll SaaS \(read_code\)Edit ops Remove ops$/)]);
    expect(await groupsOf()).toEqual([{ id: "ops", members: ["bob", "carol"] }]);

    // Edit: the form takes the group's members; one removed.
    await page.getByRole("button", { name: "Edit ops" }).click();
    expect(await page.getByLabel("Members (user ids, separated by commas)").inputValue()).toBe("bob, carol");
    await page.getByLabel("Members (user ids, separated by commas)").fill("carol");
    await page.getByRole("button", { name: "Save the group" }).click();
    await page.getByText("Group ops: carol.").waitFor();
    expect(await groupsOf()).toEqual([{ id: "ops", members: ["carol"] }]);
    const audit = (await tenant.client.get("/v1/audit-events?type=vault.group_set")).body.events;
    expect(audit).toHaveLength(2);
    for (const event of audit) expect(event).toMatchObject({ actor: { kind: "operator" }, data: { groupId: "ops" } });
    await checkScreen(page, "vault-groups");
  });

  it("grants an entry to a group from the grant form, and removes the group", async () => {
    await page.getByRole("button", { name: "Open Payroll SaaS" }).click();
    await page.getByLabel("Principal kind").selectOption("group");
    await page.getByLabel("User or group id").fill("ops");
    await page.getByLabel("Permission", { exact: true }).selectOption("manage");
    await page.getByRole("button", { name: "Grant", exact: true }).click();
    await page.getByRole("button", { name: "Revoke manage of group:ops" }).waitFor();
    const entryId = (await tenant.client.get("/v1/vault/entries")).body.entries[0].id;
    expect((await tenant.client.get(`/v1/vault/entries/${entryId}`)).body.grants).toContainEqual({
      principal: { kind: "group", id: "ops" },
      permission: "manage",
    });
    const rows = page.getByRole("table", { name: "Vault groups and their members" }).locator("tbody tr");
    await expect
      .poll(async () => (await rows.allTextContents()).join())
      .toMatch(/^opscarolPayroll SaaS \(manage\), Payroll SaaS \(read_code\)/);

    await page.getByRole("button", { name: "Remove ops" }).click();
    await page.getByText("Group ops has no members now: it is removed.").waitFor();
    expect(await groupsOf()).toEqual([]);
    // Its grants stay, reaching no one: the list says so.
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringMatching(/^opsno members: its grants reach no one/)]);
  });

  it("previews the chain for a user: the factors they have, why one cannot start, and an unknown user at the field", async () => {
    await page.getByRole("link", { name: "Policies" }).click();
    await page.getByRole("link", { name: "login" }).click();
    const userField = page.getByLabel("For user (optional)");
    const preview = page.getByRole("status", { name: "Chain preview" });

    await userField.fill("both");
    await page.getByRole("button", { name: "Draw 5 chains" }).click();
    await expect
      .poll(async () => (await preview.getByTestId("user-preview").textContent()) ?? "")
      .toBe("both has enrolled Google Authenticator (totp), Microsoft Authenticator (totp).One possible chain for both.");
    expect(await preview.locator("li").allTextContents()).toEqual(Array(5).fill("Google Authenticator → Microsoft Authenticator"));
    await checkScreen(page, "policy-preview-user");

    await userField.fill("one");
    await page.getByRole("button", { name: "Draw 5 chains" }).click();
    await expect
      .poll(async () => (await preview.getByTestId("user-preview").textContent()) ?? "")
      .toMatch(
        /^one has enrolled Microsoft Authenticator \(totp\)\.one cannot start an attempt with this policy: enroll and confirm "google_auth"/,
      );
    expect(await preview.locator("li").count()).toBe(0);
    await checkScreen(page, "policy-preview-user-cannot-start");

    // A user the tenant does not know is shown as starting an attempt would find them: no factors.
    await userField.fill("nobody");
    await page.getByRole("button", { name: "Draw 5 chains" }).click();
    await expect
      .poll(async () => (await preview.getByTestId("user-preview").textContent()) ?? "")
      .toMatch(/^nobody has enrolled none of this policy's factors\.nobody cannot start an attempt with this policy: /);
    expect(await preview.locator("li").count()).toBe(0);
    // The preview for one user is of the latest version, and says so.
    await preview.getByText(/for one user the preview is of the latest version/).waitFor();
  });

  it("a viewer operator sees the groups and their members, with no button to change them", async () => {
    expect((await tenant.client.put("/v1/vault/groups/finance", { members: ["dana", "erin"] })).status).toBe(200);
    await page.getByRole("button", { name: "Sign out" }).click();
    await signInOnPage(page, api, "groups-viewer", PASSWORD, viewerSecret);
    await page.getByText("groups-viewer (viewer)").waitFor();
    await page.getByRole("link", { name: "Vault" }).click();
    const rows = page.getByRole("table", { name: "Vault groups and their members" }).locator("tbody tr");
    await expect.poll(() => rows.allTextContents()).toEqual(["financedana, erin"]);
    await page.getByText("Only an admin operator changes groups.").waitFor();
    expect(await page.getByRole("main").getByRole("button").count()).toBe(0);
    expect(await page.getByRole("main").getByRole("textbox").count()).toBe(0);
    await checkScreen(page, "vault-groups-viewer");
  });
});
