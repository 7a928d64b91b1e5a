// The admin console in a browser page, as the browser tests drive it: signing in with the password and a code of the
// operator's authenticator app, and saving a screen as a screenshot checked by axe-core.
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { TestApi } from "./api.js";
import { openChromium, SCREENSHOTS, type BrowserSession } from "./browser.js";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "admin", "dist", "index.html");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { readonly target: unknown }[];
}

/**
 * Chromium for a console test (1280×800), once the console is built and the screenshots' folder is there. Console
 * errors are problems, except a failed load (that answer is judged as a response); HTTP answers of 400 and above are
 * problems, except the 401 of asking who is signed in before signing in (that is how the console knows to show the
 * sign-in) and the answers in `expectedErrors` (`"400 PUT /v1/vault/groups/ops"`), which the test provokes on purpose.
 */
export async function openConsoleBrowser(name: string, expectedErrors: ReadonlySet<string> = new Set()): Promise<BrowserSession> {
  if (!existsSync(DIST)) throw new Error("the console is not built: run `pnpm build` (turbo builds it before the API's tests)");
  await mkdir(SCREENSHOTS, { recursive: true });
  return openChromium({
    name,
    viewport: { width: 1280, height: 800 },
    timeoutMs: 8_000,
    consoleTypes: ["error"],
    expectedConsole: (text) => text.startsWith("Failed to load resource"),
    expectedResponse: (key) => key === "401 GET /console/session" || expectedErrors.has(key),
  });
}

/** Saves the page as test-results/admin-<name>.png and expects axe-core to find no serious or critical violation. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `admin-${name}.png`), fullPage: true });
  await page.evaluate(AXE);
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  })) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`)).toEqual([]);
}

/**
 * Signs in through the page: the operator's name and password, then a code of their authenticator app. The code is
 * the next time step's (inside the ±1 window): the enrollment's confirmation used the current one.
 */
export async function signInOnPage(page: Page, api: Pick<TestApi, "clock">, name: string, password: string, secret: string): Promise<void> {
  await page.getByLabel("Operator name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Code").waitFor();
  const step = timeStepAt(api.clock.now(), 30) + 1;
  await page.getByLabel("Code").fill(generateTotp(decodeBase32(secret), step * 30_000, { algorithm: "SHA1", digits: 6, period: 30 }));
  await page.getByRole("button", { name: "Sign in" }).click();
}
