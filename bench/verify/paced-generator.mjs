// The paced run's load generator, in a worker thread of its own (run.mjs, loadPaced): request i is due at
// start + i ÷ rate, and its latency runs from when it was due, so any delay in sending it counts. In the bench's main
// thread it shared a heap of some 190 MiB (every prepared workload) whose full collections stalled its event loop by up
// to 40 ms, and each stall showed as the service's latency; here the heap holds only this run's requests.
import { Agent, request as httpRequest } from "node:http";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `items` ([{ attemptId, body }]) are sent in order over at most `connections` keep-alive connections; the first
 * `warmup` seconds' worth run at the same rate unmeasured (their outcomes are still returned).
 */
async function generate({ url, key, items, connections, rate, warmup }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  // The generator's own stalls would show as the service's latency: watch them.
  const own = monitorEventLoopDelay({ resolution: 5 });
  own.enable();
  const warm = Math.floor(rate * warmup);
  const latencies = [];
  const timeline = []; // [seconds into the measured part when due, latency ms]
  const outcomes = [];
  const begun = performance.now();
  const started = begun + warmup * 1000; // the measured part
  const pending = [];
  for (let i = 0; i < items.length; i++) {
    const due = begun + (i * 1000) / rate;
    if (i === warm) own.reset();
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const item = items[i];
    pending.push(
      new Promise((resolve) => {
        const req = httpRequest(
          `${url}/v1/attempts/${item.attemptId}/verify`,
          {
            method: "POST",
            agent,
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(item.body) },
          },
          (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
              const latency = performance.now() - due;
              if (i >= warm) {
                latencies.push(latency);
                timeline.push([(due - started) / 1000, latency]);
              }
              let success = false;
              try {
                success = res.statusCode === 200 && JSON.parse(Buffer.concat(chunks).toString("utf8")).success === true;
              } catch {
                success = false;
              }
              outcomes[i] = { status: res.statusCode, success, target: 0 };
              resolve();
            });
          },
        );
        req.on("error", () => resolve());
        req.end(item.body);
      }),
    );
  }
  await Promise.all(pending);
  const wall = (performance.now() - started) / 1000;
  agent.destroy();
  own.disable();
  // When the measured part began, on the wall clock the main thread shares (its performance.now() has another origin).
  return { latencies, timeline, outcomes, wall, generatorLagMaxMs: own.max / 1e6, startedAtMs: performance.timeOrigin + started };
}

parentPort?.postMessage(await generate(workerData));
