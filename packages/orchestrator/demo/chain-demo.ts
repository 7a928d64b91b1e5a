// A command-line demo of a chain (until the API's main command exists): enroll three TOTP factors in memory, run a
// random 2-of-3 chain with correct codes, then show a wrong code resetting it and an out-of-order factor breaching it.
import { encodeBase32, generateSecret, generateTotp } from "@mfa-chain/totp";
import { MfaChainBreached, MfaOrchestrator } from "../src/index.js";

const secrets = { token_1: generateSecret(), token_2: generateSecret(), token_3: generateSecret() };
const orchestrator = new MfaOrchestrator({
  policy: {
    name: "demo",
    mode: "random",
    requiredSteps: 2,
    factors: [
      { id: "token_1", label: "Authenticator App", type: "totp" },
      { id: "token_2", label: "Backup Device", type: "totp" },
      { id: "token_3", label: "Hardware Token", type: "totp" },
    ],
  },
  secrets: Object.fromEntries(Object.entries(secrets).map(([id, s]) => [id, encodeBase32(s)])),
});
let step = 0;
const code = (id: string) =>
  generateTotp(secrets[id as keyof typeof secrets], Date.now() + 30_000 * step, { algorithm: "SHA1", digits: 6, period: 30 });
const say = (s: string) => process.stdout.write(`${s}\n`);

let { currentFactor, steps } = orchestrator.startAttempt();
say(`attempt started: ${steps} steps, step 1 is ${currentFactor.id} (${currentFactor.label})`);
const wrong = orchestrator.verifyStep({ factorId: currentFactor.id, code: "000000" === code(currentFactor.id) ? "111111" : "000000" });
if (wrong.status === "verified")
  say(`wrong code → reset=${wrong.reset}, step 1 is now ${wrong.nextFactor?.id}, ${wrong.failuresRemaining} tries left`);
if (wrong.status === "verified" && wrong.nextFactor) currentFactor = wrong.nextFactor;
const other = ["token_1", "token_2", "token_3"].find((id) => id !== currentFactor.id) as string;
try {
  orchestrator.verifyStep({ factorId: other, code: code(other) });
} catch (e) {
  if (e instanceof MfaChainBreached) {
    say(`out of order (${other}) → ${e.message}`);
    if (e.outcome.nextFactor) currentFactor = e.outcome.nextFactor;
  }
}
for (;;) {
  const r = orchestrator.verifyStep({ factorId: currentFactor.id, code: code(currentFactor.id) });
  if (r.status !== "verified" || !r.success) throw new Error(`unexpected: ${JSON.stringify(r)}`);
  say(`${currentFactor.id} passed → ${r.complete ? "chain complete" : `next is ${r.nextFactor?.id}`}`);
  if (r.complete || !r.nextFactor) break;
  currentFactor = r.nextFactor;
  step = 1;
}
