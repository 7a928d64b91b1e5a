// Browser: the demo page, served by the real app over a real PostgreSQL, driven in Debian's Chromium by playwright-core.
// A user enrolls both authenticator apps from the page (QR code + secret shown once), confirms them with codes computed
// here like a phone would, passes the chain step by step, sees the reset after a wrong code and the lockout after too
// many. No secret or code is ever printed, asserted by value, or left visible in the screenshot.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./support/api.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), "..", "test-results", "demo-chain.png");
const ENROLL_SCREENSHOT = join(dirname(SCREENSHOT), "demo-enroll.png");
const LOCKOUT_SCREENSHOT = join(dirname(SCREENSHOT), "demo-lockout.png");
const TOTP = { algorithm: "SHA1", digits: 6, period: 30 } as const;
const USER = "alice";

/** The part of an HTMLImageElement the test reads (this package compiles without the DOM lib). */
interface ImageLike {
  readonly complete: boolean;
  readonly naturalWidth: number;
}

/**
 * An authenticator app holding one secret read off the page. Like test/support's Authenticator: each code is for the
 * smallest time step within the server's ±1 window that is later than the last step it sent (the server refuses a step
 * it has already accepted). It never lets a code go out within a moment of a step boundary, where the step it chose
 * could fall out of the window before the server sees it.
 */
class PhoneApp {
  private lastStep = -1;
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly now: () => number,
  ) {
    this.key = decodeBase32(secret);
  }

  async next(): Promise<string> {
    const periodMs = TOTP.period * 1000;
    const untilBoundary = periodMs - (this.now() % periodMs);
    if (untilBoundary < 2_000) await new Promise((ok) => setTimeout(ok, untilBoundary + 50));
    const now = timeStepAt(this.now(), TOTP.period);
    const step = Math.max(now - 1, this.lastStep + 1);
    if (step > now + 1) throw new Error("this app has used up the codes of the current window");
    this.lastStep = step;
    return generateTotp(this.key, step * periodMs, TOTP);
  }

  /** A code of the right shape that is valid for no step in the window. */
  wrong(): string {
    const valid = new Set([-1, 0, 1].map((d) => generateTotp(this.key, this.now() + d * TOTP.period * 1000, TOTP)));
    for (let n = 0; ; n++) {
      const candidate = String(n).padStart(TOTP.digits, "0");
      if (!valid.has(candidate)) return candidate;
    }
  }
}

/** Waits until the locator's text matches (the page updates after its fetches settle). */
async function expectText(locator: Locator, pattern: RegExp): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? "", { timeout: 5_000, interval: 50 }).toMatch(pattern);
}

describe("demo page in Chromium", () => {
  const database = useTestDatabase("demo_browser");
  let api: TestApi | undefined;
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  /** Page errors, console errors and failed requests: there must be none. */
  const problems: string[] = [];
  const apps: Record<string, PhoneApp> = {};

  const row = (factorId: string) => page.getByTestId(`factor-${factorId}`);
  const status = () => page.getByTestId("attempt-status");

  async function submitCode(code: string): Promise<void> {
    await page.getByTestId("verify-code").fill(code);
    const answered = page.waitForResponse((r) => r.url().endsWith("/verify") && r.request().method() === "POST");
    await page.getByTestId("verify").click();
    await answered;
  }

  async function expectStep(number: number, factorId: string, label: string): Promise<void> {
    await expectText(page.getByTestId("step-number"), new RegExp(`^${number}$`));
    await expectText(page.getByTestId("current-id"), new RegExp(`^${factorId}$`));
    await expectText(page.getByTestId("current-label"), new RegExp(`^${label}$`));
    expect(await page.getByTestId("attempt").getAttribute("data-factor-id")).toBe(factorId);
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium, package "chromium")`);
    }
    api = await startTestApi(database.url, { MFA_DEMO: "true" });
    userDataDir = await mkdtemp(join(tmpdir(), "mfa-demo-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 900 },
      timeout: 20_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(5_000);
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.method()} ${new URL(request.url()).pathname}`));
    page.on("response", (response) => {
      if (response.status() >= 400)
        problems.push(`HTTP ${response.status()}: ${response.request().method()} ${new URL(response.url()).pathname}`);
    });
  });

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await api?.close();
  });

  it("loads the demo policy and acts for a chosen user", async () => {
    await page.goto(`${api!.url}/demo/`);
    await page.locator("body[data-ready=true]").waitFor();
    await expectText(page.getByTestId("policy-id"), /^demo-login$/);
    await page.getByTestId("user-id").fill(USER);
    await page.getByTestId("user-id").press("Enter");
    await expectText(page.getByTestId("current-user"), new RegExp(`^${USER}$`));
    for (const factorId of ["google_auth", "ms_auth"]) await expectText(row(factorId).getByTestId("status"), /^not enrolled$/);
    expect(await page.getByTestId("lockout").isVisible()).toBe(false);
  });

  it("enrolls both authenticator apps with QR codes and distinct labels, and confirms each", async () => {
    const labels: string[] = [];
    for (const [factorId, label] of [
      ["google_auth", "Google Authenticator"],
      ["ms_auth", "Microsoft Authenticator"],
    ] as const) {
      const r = row(factorId);
      expect(await r.getByTestId("label").textContent()).toBe(label);
      expect(await r.getByTestId("factor-id").textContent()).toBe(factorId);
      await r.getByTestId("enroll").click();

      const qr = r.getByTestId("qr");
      await qr.waitFor({ state: "visible" });
      await expect
        .poll(() => qr.evaluate((img) => (img as unknown as ImageLike).complete && (img as unknown as ImageLike).naturalWidth > 0))
        .toBe(true);
      expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
      expect(await qr.getAttribute("alt")).toBe(`QR code for ${label} (${factorId})`);
      await expectText(r.getByTestId("status"), /^pending confirmation$/);
      if (factorId === "google_auth") {
        // The enrollment as a user sees it, with the secret and the QR code (which encodes it) masked.
        await mkdir(dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: ENROLL_SCREENSHOT, fullPage: true, mask: [qr, r.getByTestId("secret")] });
      }

      // Read the secret shown once; checked by shape only, never printed.
      const secret = (await r.getByTestId("secret").textContent())?.trim() ?? "";
      expect(/^[A-Z2-7]{16,}=*$/.test(secret), "the page shows a base32 secret").toBe(true);
      apps[factorId] = new PhoneApp(secret, () => api!.clock.now());

      await r.getByTestId("confirm-code").fill(await apps[factorId]!.next());
      await r.getByTestId("confirm").click();
      await expectText(r.getByTestId("status"), /^active$/);
      await expectText(r.getByTestId("row-status"), new RegExp(`Confirmed: ${label} is ready`));
      // Once confirmed, the secret and the QR code are gone from the page.
      expect(await r.getByTestId("secret").textContent()).toBe("");
      expect(await qr.isVisible()).toBe(false);
      expect(await r.getByTestId("enroll").isDisabled()).toBe(true);
      labels.push((await r.getByTestId("label").textContent()) ?? "");
    }
    expect(new Set(labels).size).toBe(2);
  });

  it("passes the chain step by step, showing the next factor by id and label", async () => {
    await page.getByTestId("start-attempt").click();
    await expectText(status(), /Attempt started for alice: 2 steps/);
    await expectText(page.getByTestId("step-count"), /^2$/);
    await expectStep(1, "google_auth", "Google Authenticator");

    await submitCode(await apps.google_auth!.next());
    await expectText(status(), /Step 1 passed \(Google Authenticator\)\. Next: step 2, Microsoft Authenticator \(ms_auth\)/);
    await expectStep(2, "ms_auth", "Microsoft Authenticator");
    expect(await page.getByTestId("progress").locator("li.passed").allTextContents()).toEqual(["✓ Google Authenticator (google_auth)"]);

    await submitCode(await apps.ms_auth!.next());
    await expectText(status(), /^Chain complete: alice is authenticated \(2 of 2 steps\)\.$/);
    expect(await status().getAttribute("data-state")).toBe("complete");
    expect(await page.getByTestId("attempt").isVisible()).toBe(false);
  });

  it("resets the chain to step 1 after a wrong code at step 2", async () => {
    await page.getByTestId("start-attempt").click();
    await expectStep(1, "google_auth", "Google Authenticator");
    await submitCode(await apps.google_auth!.next());
    await expectStep(2, "ms_auth", "Microsoft Authenticator");

    await submitCode(apps.ms_auth!.wrong());
    await expectText(
      status(),
      /^Wrong code: the chain was reset to step 1, Google Authenticator \(google_auth\)\. 4 tries left before a lock\.$/,
    );
    expect(await status().getAttribute("data-state")).toBe("reset");
    await expectStep(1, "google_auth", "Google Authenticator");
    expect(await page.getByTestId("progress").locator("li.passed").count()).toBe(0);

    // The screenshot shows no secret and no code: enrollments are confirmed and the code field was cleared.
    expect(await page.getByTestId("verify-code").inputValue()).toBe("");
    for (const factorId of ["google_auth", "ms_auth"]) expect(await row(factorId).getByTestId("secret").textContent()).toBe("");
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(0);
  });

  it("locks the user after too many wrong codes, with the time remaining, until unlocked", async () => {
    for (const left of [3, 2, 1]) {
      await submitCode(apps.google_auth!.wrong());
      await expectText(
        status(),
        new RegExp(`reset to step 1, Google Authenticator \\(google_auth\\)\\. ${left} tries left before a lock\\.$`),
      );
    }
    await submitCode(apps.google_auth!.wrong());
    await expectText(status(), /The user is now locked\.$/);
    const lockout = page.getByTestId("lockout");
    await lockout.waitFor({ state: "visible" });
    const remaining = (await page.getByTestId("lockout-remaining").textContent()) ?? "";
    const [minutes, seconds] = remaining.split(":").map(Number);
    expect(remaining).toMatch(/^\d+:\d{2}$/);
    // The demo policy's default lockout: 5 minutes for the first lock.
    expect(minutes! * 60 + seconds!).toBeGreaterThan(280);
    expect(minutes! * 60 + seconds!).toBeLessThanOrEqual(300);
    expect(await page.getByTestId("verify").isDisabled()).toBe(true);
    expect(await page.getByTestId("start-attempt").isDisabled()).toBe(true);

    await page.screenshot({ path: LOCKOUT_SCREENSHOT, fullPage: true });

    await page.getByTestId("unlock").click();
    await lockout.waitFor({ state: "hidden" });
    await expectText(status(), /^alice was unlocked\.$/);
    expect(await page.getByTestId("start-attempt").isDisabled()).toBe(false);
  });
});
