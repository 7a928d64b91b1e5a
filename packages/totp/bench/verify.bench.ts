// TOTP verify benchmark: @mfa-chain/totp's verifyTotp (±1 step) side by side, in one run, with the raw floor (three
// node:crypto HMACs and dynamic truncation, key already decoded), otplib's verifySync (Node crypto plugin, and its
// default noble plugin) and otpauth's validate. Cases are interleaved round by round, so drift on a shared, noisy
// machine hits every implementation alike; figures are ratios to the floor measured in the same run.
//
//   pnpm --filter @mfa-chain/totp bench            (or, from the repository root: pnpm bench:totp)
//   … bench -- --no-write                           print only, leave docs/benchmarks.md alone
//
// Writes the "TOTP verify" section of docs/benchmarks.md (between its markers; other sections are kept).
// Never part of `pnpm test`.
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NodeCryptoPlugin } from "@otplib/plugin-crypto-node";
import * as OTPAuth from "otpauth";
import { verifySync } from "otplib";
import { generateSecret, generateTotp, timeStepAt, verifyTotp } from "../src/index.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const BATCH = 100; // ops per timed sample (median, ops/s)
const LATENCY_OPS_PER_ROUND = 10; // single ops timed one by one (p99 latency)
const WARMUP_OPS = 5_000;
const write = !process.argv.includes("--no-write");

// ── fixture: a fresh random secret (never a real one), SHA1, 6 digits, 30 s, ±1 step, mid-step instant ──────────
const secret = generateSecret();
const options = { algorithm: "SHA1", digits: 6, period: 30 } as const;
const step = timeStepAt(Date.now(), 30);
const now = step * 30_000 + 15_000;
const rightCode = generateTotp(secret, now, options);
const windowCodes = new Set([-1, 0, 1].map((k) => generateTotp(secret, now + k * 30_000, options)));
let wrongCode = "000000";
for (let k = 10; windowCodes.has(wrongCode); k++) wrongCode = generateTotp(secret, now + k * 30_000, options);

// ── implementations ──────────────────────────────────────────────────────────────────────────────────────────────
const keyBuffer = Buffer.from(secret);
const counterBuffer = Buffer.alloc(8);
/** The floor: three HMACs (previous, current, next) with truncation; no validation, no constant-time compare. */
function floor(code: string): boolean {
  const wanted = Number(code);
  let found = false;
  for (let s = step - 1; s <= step + 1; s++) {
    counterBuffer.writeUInt32BE(Math.floor(s / 0x1_0000_0000), 0);
    counterBuffer.writeUInt32BE(s >>> 0, 4);
    const mac = createHmac("sha1", keyBuffer).update(counterBuffer).digest();
    const o = (mac[mac.length - 1] as number) & 0x0f;
    const bin =
      (((mac[o] as number) & 0x7f) << 24) | ((mac[o + 1] as number) << 16) | ((mac[o + 2] as number) << 8) | (mac[o + 3] as number);
    if (bin % 1_000_000 === wanted) found = true;
  }
  return found;
}

function ours(code: string): boolean {
  return verifyTotp({ secret, code, ...options, window: 1, now, afterTimeStep: null }).kind === "match";
}

const nodePlugin = new NodeCryptoPlugin();
const epoch = now / 1000;
function otplibNode(code: string): boolean {
  return verifySync({ secret, token: code, epoch, epochTolerance: 30, crypto: nodePlugin, algorithm: "sha1", digits: 6, period: 30 }).valid;
}
function otplibNoble(code: string): boolean {
  return verifySync({ secret, token: code, epoch, epochTolerance: 30, algorithm: "sha1", digits: 6, period: 30 }).valid;
}

const otpauthTotp = new OTPAuth.TOTP({
  secret: new OTPAuth.Secret({ buffer: secret.slice().buffer }),
  algorithm: "SHA1",
  digits: 6,
  period: 30,
});
function otpauth(code: string): boolean {
  return otpauthTotp.validate({ token: code, timestamp: now, window: 1 }) !== null;
}

interface Case {
  readonly impl: string;
  readonly code: "wrong" | "right";
  readonly run: (code: string) => boolean;
  readonly batch: number[];
  readonly single: number[];
}
const impls: ReadonlyArray<readonly [string, (code: string) => boolean]> = [
  ["raw node:crypto floor (3 HMACs)", floor],
  ["@mfa-chain/totp verifyTotp", ours],
  ["otplib verifySync + plugin-crypto-node", otplibNode],
  ["otplib verifySync (default noble plugin)", otplibNoble],
  ["otpauth TOTP#validate", otpauth],
];
const cases: Case[] = impls.flatMap(([impl, run]) =>
  (["wrong", "right"] as const).map((code) => ({ impl, code, run, batch: [], single: [] })),
);

// Every implementation must agree before it is timed.
for (const c of cases) {
  const expected = c.code === "right";
  if (c.run(c.code === "right" ? rightCode : wrongCode) !== expected) throw new Error(`${c.impl}: wrong answer for the ${c.code} code`);
}

// ── measure ──────────────────────────────────────────────────────────────────────────────────────────────────────
let sink = 0;
for (const c of cases) {
  const code = c.code === "right" ? rightCode : wrongCode;
  for (let i = 0; i < WARMUP_OPS; i++) if (c.run(code)) sink++;
}
const started = process.hrtime.bigint();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const code = c.code === "right" ? rightCode : wrongCode;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) if (c.run(code)) sink++;
    c.batch.push(Number(process.hrtime.bigint() - t0) / BATCH);
    for (let i = 0; i < LATENCY_OPS_PER_ROUND; i++) {
      const t1 = process.hrtime.bigint();
      if (c.run(code)) sink++;
      c.single.push(Number(process.hrtime.bigint() - t1));
    }
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const floorMedian = (code: "wrong" | "right"): number =>
  quantile((cases.find((c) => c.impl === impls[0]?.[0] && c.code === code) as Case).batch, 0.5);
const rows = cases.map((c) => {
  const median = quantile(c.batch, 0.5);
  return {
    impl: c.impl,
    code: c.code,
    median,
    p99: quantile(c.single, 0.99),
    opsPerSecond: 1e9 / median,
    ratio: median / floorMedian("wrong"),
  };
});

// ── report ───────────────────────────────────────────────────────────────────────────────────────────────────────
const fmt = (n: number, digits = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = [
  "| implementation | code | median ns/op | p99 ns/op (single op) | ops/s | × floor |",
  "|---|---|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.impl} | ${r.code} | ${fmt(r.median)} | ${fmt(r.p99)} | ${fmt(r.opsPerSecond)} | ${fmt(r.ratio, 2)} |`),
].join("\n");
const oursWrong = rows.find((r) => r.impl.startsWith("@mfa-chain") && r.code === "wrong");
const goal = oursWrong && oursWrong.ratio <= 1.5 ? "met" : "NOT met";
const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
const when = new Date().toISOString().replace(/\.\d+Z$/, "Z");
const details = [
  `Run ${when} · Node ${process.version} · ${cpu} × ${cpus().length} · ${ROUNDS} interleaved rounds of ${BATCH}-op batches`,
  `(${fmt(seconds, 1)} s measured after ${fmt(WARMUP_OPS)} warm-up ops per case) · peak RSS ${fmt(peakRssMiB, 1)} MiB for the whole process.`,
].join("\n");
process.stdout.write(
  `\nTOTP verify, ±1 step (SHA1, 6 digits, 30 s)\n${details}\n\n${table}\n\nGoal (ours, wrong code, ≤ 1.5× floor): ${goal}${oursWrong ? ` — ${fmt(oursWrong.ratio, 2)}×` : ""}\n`,
);
if (sink === 0) process.stdout.write("(no right code was accepted?)\n");

if (write) {
  const docs = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "benchmarks.md");
  const BEGIN = "<!-- totp-verify:begin (written by packages/totp/bench/verify.bench.ts) -->";
  const END = "<!-- totp-verify:end -->";
  const body = [
    BEGIN,
    "Command: `pnpm bench:totp` (= `pnpm --filter @mfa-chain/totp bench`, which runs `tsx bench/verify.bench.ts`).",
    "",
    details,
    "",
    table,
    "",
    `Goal — ours within 1.5× of the floor for a wrong code (all three steps computed): **${goal}**${oursWrong ? ` (${fmt(oursWrong.ratio, 2)}×)` : ""}.`,
    "",
    "- *floor*: three `createHmac` calls with the decoded key plus RFC 4226 dynamic truncation — no input checks, no constant-time compare;",
    "  both codes cost it the same. Every *× floor* is relative to the floor's wrong-code median.",
    "- *wrong*: no step matches, so every implementation computes all three steps. *right*: the current step's code; ours (like",
    "  otpauth) checks the current step first and stops there, which is why it can be below the floor.",
    "- *ours* also checks the window, period, digits, algorithm, secret length and the code's shape, and compares with `timingSafeEqual`.",
    "- *p99* times single calls with `process.hrtime.bigint()` (so it includes the timer's own cost); *median* and *ops/s* come from",
    "  100-op batches. Peak RSS is that of the whole bench process (tsx, all five implementations).",
    END,
  ].join("\n");
  let text = existsSync(docs)
    ? readFileSync(docs, "utf8")
    : "# Benchmarks\n\nFigures measured by the benchmarks under `bench/` and `packages/*/bench/`. They are never part of `pnpm test`.\n";
  if (text.includes(BEGIN) && text.includes(END)) {
    text = text.slice(0, text.indexOf(BEGIN)) + body + text.slice(text.indexOf(END) + END.length);
  } else {
    text = `${text.trimEnd()}\n\n## TOTP verify\n\n${body}\n`;
  }
  writeFileSync(docs, text);
  process.stdout.write(`\nWrote the "TOTP verify" section of ${docs}\n`);
}
