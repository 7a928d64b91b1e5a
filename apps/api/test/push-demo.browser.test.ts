// Browser: the push demo page (public/demo/push.html), served by the real app over a real PostgreSQL, driven in
// Debian's Chromium by playwright-core, with the reference device (@mfa-chain/push-device, a real key pair) as the
// phone. The page enrolls a push factor and shows its link and QR code; the device enrolls from the link; the page
// notices the proof. A sign-in shows the number; the device picks it among its three and approves; the page, which
// verifies until the device has answered, shows the user signed in. A second sign-in denied shows the refusal.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { PushDevice } from "@mfa-chain/push-device";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./support/api.js";
import { openChromium, type BrowserSession } from "./support/browser.js";

async function expectText(locator: Locator, pattern: RegExp, timeout = 10_000): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? "", { timeout, interval: 50 }).toMatch(pattern);
}

describe("push demo in Chromium, with the reference device", () => {
  const database = useTestDatabase("push_browser");
  let api: TestApi | undefined;
  let keyDir: string | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  let problems: string[] = [];
  const $ = (id: string) => page.getByTestId(id);

  beforeAll(async () => {
    api = await startTestApi(database.url, { MFA_DEMO: "true" });
    keyDir = await mkdtemp(join(tmpdir(), "mfa-push-keys-"));
    // The page verifies until the device answers: each "not yet" is a 409 push_answer_pending, which Chromium also
    // reports as a failed resource load. Anything else is a problem.
    browser = await openChromium({
      name: "push",
      viewport: { width: 900, height: 900 },
      timeoutMs: 10_000,
      expectedConsole: (text) => /status of 409/.test(text),
      expectedResponse: (key) => /^409 POST \/v1\/attempts\/[^/]+\/verify$/.test(key),
    });
    ({ page, problems } = browser);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  it("enrolls a device from the page's link, then signs in by approving the number the page shows; a deny is refused", async () => {
    await page.goto(`${api!.url}/demo/push.html`);
    await expectText($("policy-id"), /^demo-push$/);
    await expectText($("push-status"), /^not enrolled$/);

    await $("push-enroll").click();
    await expectText($("push-command"), /^pnpm push-device enroll 'mfachain-push:\/\/enroll\?v=1&/);
    const qr = await $("push-qr").getAttribute("src");
    expect(qr).toMatch(/^data:image\/png;base64,/);
    const link = /'([^']+)'/.exec((await $("push-command").textContent()) ?? "")?.[1] as string;
    const device = new PushDevice({ keyFile: join(keyDir!, "phone.json") });
    await device.enroll(link, { deviceName: "Demo phone" });
    await expectText($("push-status"), /^enrolled \(Demo phone\)$/);
    // The link is not left on the page once spent.
    await expectText($("push-command"), /^$/);

    await $("start").click();
    await expectText($("push-number"), /^[1-9]\d$/);
    const number = Number(await $("push-number").textContent());
    const [challenge] = await device.poll();
    expect(challenge?.choices).toContain(number);
    expect(await device.approve(challenge!.challengeId, number)).toBe("approved");
    await expectText($("result"), /^Signed in: the device approved with the right number\.$/);

    await $("start").click();
    await expectText($("push-state"), /Waiting for the device's answer/);
    const [second] = await device.poll();
    expect(await device.deny(second!.challengeId)).toBe("denied");
    await expectText($("result"), /^Refused: denied, or the wrong number/);
    expect(problems).toEqual([]);
  });
});
