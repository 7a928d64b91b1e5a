// Debian's Chromium through playwright-core, as every browser test opens it: headless, no sandbox (CI runs as root),
// a throwaway profile, and a list of what went wrong on the page (page errors, console errors, failed HTTP answers)
// that a test expects to stay empty. Nothing is downloaded: a missing Chromium fails the test with what to install.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import { afterAll, afterEach, expect } from "vitest";

export const CHROMIUM = "/usr/bin/chromium";

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

/** Where browser tests save their screenshots (apps/api/test-results, ignored by git). */
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test-results");

export interface BrowserOptions {
  /** Names the throwaway profile directory. */
  readonly name: string;
  readonly viewport: { readonly width: number; readonly height: number };
  /** The page's default timeout for actions and waits. */
  readonly timeoutMs: number;
  /** Console message types that are problems; default error and warning. */
  readonly consoleTypes?: readonly string[];
  /** A console message that is expected (not a problem). */
  readonly expectedConsole?: (text: string) => boolean;
  /**
   * HTTP answers of 400 and above are problems, unless this says they are expected (`"401 GET /console/session"`);
   * `false` does not watch answers at all (a page that polls through expected refusals).
   */
  readonly expectedResponse?: ((key: string) => boolean) | false;
  /** Also a problem: a request that failed without an answer. */
  readonly watchFailedRequests?: boolean;
}

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** What went wrong on the page; tests expect it empty. */
  readonly problems: string[];
  /** Everything the page wrote to its console (to check that no code or secret is among it). */
  readonly consoleTexts: string[];
  close(): Promise<void>;
}

export async function openChromium(options: BrowserOptions): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium, package "chromium")`);
  }
  const userDataDir = await mkdtemp(join(tmpdir(), `mfa-${options.name}-chromium-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { ...options.viewport },
    timeout: 20_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(options.timeoutMs);
  const problems: string[] = [];
  const consoleTexts: string[] = [];
  const consoleTypes = options.consoleTypes ?? ["error", "warning"];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    consoleTexts.push(message.text());
    if (consoleTypes.includes(message.type()) && !options.expectedConsole?.(message.text()))
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  const expectedResponse = options.expectedResponse;
  if (expectedResponse !== false) {
    page.on("response", (response) => {
      const key = `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`;
      if (response.status() >= 400 && !expectedResponse?.(key)) problems.push(`HTTP ${key}`);
    });
  }
  if (options.watchFailedRequests) {
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.method()} ${new URL(request.url()).pathname}`));
  }
  return {
    context,
    page,
    problems,
    consoleTexts,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The hooks every browser test registers: after each test, nothing went wrong on the page; after all of them, the
 * browser closed, then what else the test started (the API), in that order.
 */
export function checkAndCloseBrowser(
  browser: () => BrowserSession | undefined,
  ...also: (() => { close(): Promise<void> } | undefined)[]
): void {
  afterEach(() => {
    expect(browser()?.problems ?? []).toEqual([]);
  });
  afterAll(async () => {
    await browser()?.close();
    for (const other of also) await other()?.close();
  });
}

/**
 * A CDP virtual authenticator on the session's page: a platform passkey provider with user verification, as on a
 * laptop (ctap2, internal transport, resident keys, presence given without a prompt).
 */
export async function addPlatformAuthenticator(browser: BrowserSession): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await browser.context.newCDPSession(browser.page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}
