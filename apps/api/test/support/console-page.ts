// The admin console in a browser page, as the browser tests drive it: signing in with the password and a code of the
// operator's authenticator app, and saving a screen as a screenshot checked by axe-core.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { TestApi } from "./api.js";
import { SCREENSHOTS } from "./browser.js";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { readonly target: unknown }[];
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
