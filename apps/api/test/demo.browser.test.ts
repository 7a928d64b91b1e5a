// Browser: the demo page, served by the real app over a real PostgreSQL, driven in Debian's Chromium by playwright-core.
// A user enrolls both authenticator apps from the page (QR code + secret shown once), confirms them with codes computed
// here like a phone would, passes the chain step by step, sees the reset after a wrong code and the lockout after too
// many. Another user enrolls backup codes (shown once), passes a step with one and sees the same code refused next time.
// The demo policy asks for any two of its three factors in random order, so the test follows the step the page shows.
// A third user enrolls an email factor, confirmed with the code the page lists from the development outbox, and passes
// the email policy's chain (authenticator app → emailed code). Then the sign-in decision: a new device → the chain it
// names → "remember this device" → the next decision needs nothing; a sensitive action still takes the step-up policy.
// No secret or code is ever printed, asserted by value, or left visible in the screenshot.
import { mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import type { Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./support/api.js";
import { checkAndCloseBrowser, openChromium, SCREENSHOTS, type BrowserSession } from "./support/browser.js";

const SCREENSHOT = join(SCREENSHOTS, "demo-chain.png");
const ENROLL_SCREENSHOT = join(dirname(SCREENSHOT), "demo-enroll.png");
const BACKUP_SCREENSHOT = join(dirname(SCREENSHOT), "demo-backup-codes.png");
const LOCKOUT_SCREENSHOT = join(dirname(SCREENSHOT), "demo-lockout.png");
const EMAIL_SCREENSHOT = join(dirname(SCREENSHOT), "demo-email.png");
const DEVICE_SCREENSHOT = join(dirname(SCREENSHOT), "demo-remembered-device.png");
const TOTP = { algorithm: "SHA1", digits: 6, period: 30 } as const;
const USER = "alice";
const LABELS: Record<string, string> = {
  google_auth: "Google Authenticator",
  ms_auth: "Microsoft Authenticator",
  backup_codes: "Backup codes",
  email: "Email",
};
/** Either authenticator app, as the page names it after a reset (the new chain is drawn at random). */
const ANY_APP = "(?:Google Authenticator \\(google_auth\\)|Microsoft Authenticator \\(ms_auth\\))";
/** A backup code as shown: 15 of Crockford's base32, in groups of five. */
const BACKUP_CODE_SHAPE = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;

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
  let browser: BrowserSession | undefined;
  let page: Page;
  /** Everything the page wrote to the console: no code may be among it. */
  let consoleTexts: string[] = [];
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

  /** The factor of the step the page asks for now (drawn by the server), once that step is shown. */
  async function currentFactorAt(number: number): Promise<string> {
    await expectText(page.getByTestId("step-number"), new RegExp(`^${number}$`));
    const factorId = (await page.getByTestId("attempt").getAttribute("data-factor-id")) ?? "";
    await expectStep(number, factorId, LABELS[factorId] ?? "?");
    return factorId;
  }

  beforeAll(async () => {
    api = await startTestApi(database.url, { MFA_DEMO: "true" });
    browser = await openChromium({ name: "demo", viewport: { width: 1100, height: 900 }, timeoutMs: 5_000, watchFailedRequests: true });
    ({ page, consoleTexts } = browser);
  });

  // Page errors, console errors and failed requests: there must be none.
  checkAndCloseBrowser(
    () => browser,
    () => api,
  );

  it("loads the demo policy and acts for a chosen user", async () => {
    await page.goto(`${api!.url}/demo/`);
    await page.locator("body[data-ready=true]").waitFor();
    await expectText(page.getByTestId("policy-id"), /^demo-login$/);
    await page.getByTestId("user-id").fill(USER);
    await page.getByTestId("user-id").press("Enter");
    await expectText(page.getByTestId("current-user"), new RegExp(`^${USER}$`));
    await expectText(page.getByTestId("policy-summary"), /: 2 of 3 factors, random order; locks after 5 wrong codes in a row$/);
    for (const factorId of ["google_auth", "ms_auth", "backup_codes"]) {
      await expectText(row(factorId).getByTestId("status"), /^not enrolled$/);
    }
    expect(await row("backup_codes").getByTestId("enroll").textContent()).toBe("Generate codes");
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
    // Both apps, in the order the server drew: the only two factors alice has.
    const first = await currentFactorAt(1);
    expect(["google_auth", "ms_auth"]).toContain(first);
    const second = first === "google_auth" ? "ms_auth" : "google_auth";
    expect(await page.getByTestId("step-prompt").textContent()).toBe("enter the code from");

    await submitCode(await apps[first]!.next());
    await expectText(status(), new RegExp(`Step 1 passed \\(${LABELS[first]}\\)\\. Next: step 2, ${LABELS[second]} \\(${second}\\)`));
    await expectStep(2, second, LABELS[second]!);
    expect(await page.getByTestId("progress").locator("li.passed").allTextContents()).toEqual([`✓ ${LABELS[first]} (${first})`]);

    await submitCode(await apps[second]!.next());
    await expectText(status(), /^Chain complete: alice is authenticated \(2 of 2 steps\)\.$/);
    expect(await status().getAttribute("data-state")).toBe("complete");
    expect(await page.getByTestId("attempt").isVisible()).toBe(false);
  });

  it("resets the chain to step 1 after a wrong code at step 2", async () => {
    await page.getByTestId("start-attempt").click();
    const first = await currentFactorAt(1);
    await submitCode(await apps[first]!.next());
    const second = await currentFactorAt(2);
    expect(second).not.toBe(first);

    await submitCode(apps[second]!.wrong());
    await expectText(status(), new RegExp(`^Wrong code: the chain was reset to step 1, ${ANY_APP}\\. 4 tries left before a lock\\.$`));
    expect(await status().getAttribute("data-state")).toBe("reset");
    await currentFactorAt(1);
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
      await submitCode(apps[await currentFactorAt(1)]!.wrong());
      await expectText(status(), new RegExp(`reset to step 1, ${ANY_APP}\\. ${left} tries left before a lock\\.$`));
    }
    await submitCode(apps[await currentFactorAt(1)]!.wrong());
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

  it("enrolls backup codes shown once, passes a step with one, and refuses the same code the second time", async () => {
    // bob has one authenticator app and a set of backup codes: every chain of two then has a backup-code step.
    const BOB = "bob";
    await page.getByTestId("user-id").fill(BOB);
    await page.getByTestId("user-id").press("Enter");
    await expectText(page.getByTestId("current-user"), new RegExp(`^${BOB}$`));
    for (const factorId of ["google_auth", "ms_auth", "backup_codes"]) {
      await expectText(row(factorId).getByTestId("status"), /^not enrolled$/);
    }
    const google = row("google_auth");
    await google.getByTestId("enroll").click();
    await google.getByTestId("qr").waitFor({ state: "visible" });
    const bobsPhone = new PhoneApp((await google.getByTestId("secret").textContent())?.trim() ?? "", () => api!.clock.now());
    await google.getByTestId("confirm-code").fill(await bobsPhone.next());
    await google.getByTestId("confirm").click();
    await expectText(google.getByTestId("status"), /^active$/);

    // Generate the codes: active at once, shown this once with a warning to save them.
    const backup = row("backup_codes");
    await backup.getByTestId("enroll").click();
    const shown = backup.getByTestId("backup-codes");
    await shown.waitFor({ state: "visible" });
    expect(await shown.getByRole("alert").textContent()).toMatch(/Save these codes now: they are shown only this once\./);
    const codes = (await backup.getByTestId("codes").locator("li").allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    expect(
      codes.every((c) => BACKUP_CODE_SHAPE.test(c)),
      "the page shows codes of the form XXXXX-XXXXX-XXXXX",
    ).toBe(true);
    expect(new Set(codes).size).toBe(10);
    await expectText(backup.getByTestId("status"), /^active$/);
    await expectText(backup.getByTestId("remaining"), /^\(10 unused codes left\)$/);
    await expectText(backup.getByTestId("row-status"), /^10 backup codes generated and active\.$/);
    expect(await backup.getByTestId("enroll").textContent()).toBe("Generate new codes");
    await mkdir(dirname(BACKUP_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: BACKUP_SCREENSHOT, fullPage: true, mask: [backup.getByTestId("codes")] });

    // The codes are nowhere but on the screen: not in storage, not in the page's log, not on the console.
    const stored = await page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: { length: number }; sessionStorage: { length: number } };
      return g.localStorage.length + g.sessionStorage.length;
    });
    expect(stored).toBe(0);
    const logText = (await page.getByTestId("log").textContent()) ?? "";
    expect(codes.filter((c) => logText.includes(c) || consoleTexts.some((t) => t.includes(c)))).toEqual([]);

    // Once hidden they are gone from the page, and reloading bob's factors does not bring them back.
    await shown.getByTestId("codes-saved").click();
    await shown.waitFor({ state: "hidden" });
    expect(await backup.getByTestId("codes").locator("li").count()).toBe(0);
    await page.getByTestId("user-apply").click();
    await expectText(backup.getByTestId("status"), /^active$/);
    expect(await shown.isVisible()).toBe(false);
    const html = await page.content();
    expect(codes.filter((c) => html.includes(c))).toEqual([]);

    /** Passes the current step with bob's app, or with `code` when the step is the backup codes; returns the factor. */
    const passStep = async (number: number, code: string): Promise<string> => {
      const factorId = await currentFactorAt(number);
      expect(["google_auth", "backup_codes"]).toContain(factorId);
      if (factorId === "backup_codes") {
        expect(await page.getByTestId("step-prompt").textContent()).toBe("enter one unused code of your");
        expect(await page.getByTestId("verify-code").getAttribute("placeholder")).toBe("XXXXX-XXXXX-XXXXX");
        await submitCode(code);
      } else await submitCode(await bobsPhone.next());
      return factorId;
    };

    // One backup code passes its step; it is used up.
    const [used, other] = [codes[0]!, codes[1]!];
    await page.getByTestId("start-attempt").click();
    await expectText(status(), /Attempt started for bob: 2 steps/);
    const first = await passStep(1, used);
    await expectText(status(), new RegExp(`^Step 1 passed \\(${LABELS[first]}\\)\\.`));
    const second = await passStep(2, used);
    expect(new Set([first, second])).toEqual(new Set(["google_auth", "backup_codes"]));
    await expectText(status(), /^Chain complete: bob is authenticated \(2 of 2 steps\)\.$/);
    await expectText(backup.getByTestId("remaining"), /^\(9 unused codes left\)$/);

    // The same code the second time: refused, the chain reset, a failure counted, no further code used.
    await page.getByTestId("start-attempt").click();
    await expectText(status(), /Attempt started for bob: 2 steps/);
    if ((await currentFactorAt(1)) === "google_auth") {
      await passStep(1, used);
      await expectText(status(), /^Step 1 passed \(Google Authenticator\)\. Next: step 2, Backup codes \(backup_codes\)\.$/);
      await currentFactorAt(2);
    }
    await submitCode(used);
    await expectText(
      status(),
      /^Wrong or already used backup code: the chain was reset to step 1, (?:Google Authenticator \(google_auth\)|Backup codes \(backup_codes\))\. 4 tries left before a lock\.$/,
    );
    expect(await status().getAttribute("data-state")).toBe("reset");
    await expectText(backup.getByTestId("remaining"), /^\(9 unused codes left\)$/);

    // Another unused code of the set still passes (bob's app moves on a minute, past the time steps it has used).
    api!.clock.advance(60_000);
    await passStep(1, other);
    await passStep(2, other);
    await expectText(status(), /^Chain complete: bob is authenticated \(2 of 2 steps\)\.$/);
    await expectText(backup.getByTestId("remaining"), /^\(8 unused codes left\)$/);
    expect(await page.getByTestId("verify-code").inputValue()).toBe("");
  });
  /** The code of the newest outbox message to `to` whose text matches `pattern` (read off the page, never printed). */
  async function codeFromOutbox(to: string, pattern: RegExp): Promise<string> {
    let code = "";
    await expect
      .poll(
        async () => {
          await page.getByTestId("outbox-refresh").click();
          const texts = await page.locator(`[data-testid=outbox] li[data-to="${to}"] [data-testid=outbox-text]`).allTextContents();
          code = texts.map((t) => pattern.exec(t)?.[1]).find((c) => c !== undefined) ?? "";
          return code !== "";
        },
        { timeout: 5_000, interval: 100 },
      )
      .toBe(true);
    return code;
  }

  it("enrolls an email factor with the code from the development outbox, and passes the chain app → email", async () => {
    const CAROL = "carol";
    const address = "carol@example.com";
    await page.getByTestId("user-id").fill(CAROL);
    await page.getByTestId("user-id").press("Enter");
    await expectText(page.getByTestId("current-user"), new RegExp(`^${CAROL}$`));
    const email = row("email");
    await expectText(email.getByTestId("status"), /^not enrolled$/);
    expect(await email.getByTestId("factor-policy").textContent()).toMatch(/In policy demo-email/);
    expect(await email.getByTestId("enroll").textContent()).toBe("Send a code");
    expect(await page.getByTestId("outbox-empty").isVisible()).toBe(true);

    // The authenticator app first: the same slot as in the main policy.
    const google = row("google_auth");
    await google.getByTestId("enroll").click();
    await google.getByTestId("qr").waitFor({ state: "visible" });
    const carolsPhone = new PhoneApp((await google.getByTestId("secret").textContent())?.trim() ?? "", () => api!.clock.now());
    await google.getByTestId("confirm-code").fill(await carolsPhone.next());
    await google.getByTestId("confirm").click();
    await expectText(google.getByTestId("status"), /^active$/);

    // The address, typed into its labelled field; a code goes to the outbox, the page shows the address masked.
    await email.getByLabel("Email address").fill(address);
    await email.getByTestId("enroll").click();
    await expectText(
      email.getByTestId("sent-to"),
      /^A code was sent to c\*\*\*@example\.com \(see the development outbox below\)\. Enter it before /,
    );
    await expectText(email.getByTestId("status"), /^pending confirmation$/);
    expect(await email.getByTestId("secret").isVisible()).toBe(false);
    expect(await email.getByTestId("qr").isVisible()).toBe(false);
    const enrollCode = await codeFromOutbox(address, /Enter (\d{6,8}) to confirm/);
    await email.getByLabel("Code from the email").fill(enrollCode);
    await email.getByTestId("confirm").click();
    await expectText(email.getByTestId("status"), /^active$/);
    await expectText(email.getByTestId("row-status"), /^Confirmed: Email is ready\.$/);
    expect(await email.getByLabel("Email address").isVisible()).toBe(false);

    // The sends are limited per user (1 per 30 s by default): the sign-in comes a little later.
    api!.clock.advance(31_000);
    await page.getByTestId("sign-in-policy").selectOption("demo-email");
    await page.getByTestId("start-attempt").click();
    await expectText(status(), /Attempt started for carol: 2 steps\. Step 1: Google Authenticator \(google_auth\)\./);
    await expectStep(1, "google_auth", "Google Authenticator");
    expect(await page.getByTestId("challenge").isVisible()).toBe(false);
    await submitCode(await carolsPhone.next());
    await expectStep(2, "email", "Email");
    expect(await page.getByTestId("step-prompt").textContent()).toBe("send the code, then enter the code from the email of your");
    // The send button has the focus: the keyboard sends the code.
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id))
      .toBe("send-code");
    const sent = page.waitForResponse((r) => r.url().endsWith("/challenge") && r.request().method() === "POST");
    await page.keyboard.press("Enter");
    expect((await sent).status()).toBe(200);
    await expectText(page.getByTestId("challenge-status"), /^Code sent to c\*\*\*@example\.com; it expires at /);
    expect(await page.getByTestId("send-code").textContent()).toBe("Send a new code");
    const signInCode = await codeFromOutbox(address, /verification code is (\d{6,8})/);
    await submitCode(signInCode);
    await expectText(status(), /^Chain complete: carol is authenticated \(2 of 2 steps\)\.$/);

    // The codes are in the outbox (demo mode) and nowhere else: not in the page's log, the console or storage.
    const logText = (await page.getByTestId("log").textContent()) ?? "";
    expect([enrollCode, signInCode].filter((c) => logText.includes(c) || consoleTexts.some((t) => t.includes(c)))).toEqual([]);
    expect(logText).not.toContain(address);
    await mkdir(dirname(EMAIL_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: EMAIL_SCREENSHOT, fullPage: true, mask: [page.getByTestId("outbox")] });
    expect((await stat(EMAIL_SCREENSHOT)).size).toBeGreaterThan(0);
  });

  it("asks for a sign-in decision: a new device → the chain → remember the device → none; a sensitive action steps up", async () => {
    await page.getByTestId("user-id").fill(USER);
    await page.getByTestId("user-id").press("Enter");
    await expectText(page.getByTestId("current-user"), new RegExp(`^${USER}$`));
    await expectText(page.getByTestId("device-status"), /^No remembered device in this page\.$/);

    // The form is labelled and submitted from the keyboard; a loopback address has no location.
    expect(await page.getByLabel("IP address").inputValue()).toBe("127.0.0.1");
    await page.getByLabel("IP address").press("Enter");
    await expectText(page.getByTestId("decision-require"), /^chain$/);
    await expectText(page.getByTestId("decision-policy"), /^demo-login$/);
    await expectText(page.getByTestId("decision-reasons"), /^new_device, location_unknown$/);
    expect(await page.getByTestId("remember-device").isVisible()).toBe(false);

    // The chain the decision names, in the sign-in section.
    await page.getByTestId("decision-chain").click();
    await expectText(status(), /Attempt started for alice: 2 steps/);
    expect(await page.getByTestId("sign-in-policy").inputValue()).toBe("demo-login");
    const first = await currentFactorAt(1);
    await submitCode(await apps[first]!.next());
    const second = await currentFactorAt(2);
    await submitCode(await apps[second]!.next());
    await expectText(status(), /^Chain complete: alice is authenticated \(2 of 2 steps\)\.$/);

    // "Remember this device": a device token for the completed attempt, kept in the page's memory only.
    await page.getByTestId("remember-device").click();
    await expectText(page.getByTestId("device-status"), /^This browser is a remembered device of alice \(/);
    expect(await page.getByTestId("remember-device").isVisible()).toBe(false);
    const stored = await page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: { length: number }; sessionStorage: { length: number } };
      return g.localStorage.length + g.sessionStorage.length;
    });
    expect(stored).toBe(0);
    expect(await page.content()).not.toMatch(/mfad_/);

    // The next decision: nothing to pass; the token was rotated, and the one after still holds.
    for (let i = 0; i < 2; i++) {
      const answered = page.waitForResponse((r) => r.url().endsWith("/v1/decisions"));
      await page.getByTestId("decide").click();
      expect((await answered).status()).toBe(200);
      await expectText(page.getByTestId("decision-require"), /^none$/);
      await expectText(page.getByTestId("decision-reasons"), /^remembered_device, location_unknown$/);
      expect(await page.getByTestId("decision-chain").isVisible()).toBe(false);
    }
    await mkdir(dirname(DEVICE_SCREENSHOT), { recursive: true });
    // The outbox shows codes (demo mode): masked in the screenshot.
    await page.screenshot({ path: DEVICE_SCREENSHOT, fullPage: true, mask: [page.getByTestId("outbox")] });
    expect((await stat(DEVICE_SCREENSHOT)).size).toBeGreaterThan(0);

    // A sensitive action takes the step-up policy even on the remembered device.
    await page.getByLabel("Action").selectOption("change_email");
    await page.getByTestId("decide").click();
    await expectText(page.getByTestId("decision-require"), /^chain$/);
    await expectText(page.getByTestId("decision-policy"), /^demo-email$/);
    await expectText(page.getByTestId("decision-reasons"), /^sensitive_action, remembered_device, location_unknown$/);

    // Forgetting the token makes this browser a new device again.
    await page.getByLabel("Action").selectOption("");
    await page.getByTestId("forget-device").click();
    await page.getByTestId("decide").click();
    await expectText(page.getByTestId("decision-reasons"), /^new_device, location_unknown$/);
  });
});
