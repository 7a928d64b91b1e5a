// How much garbage the process may carry. Requests in flight (32 verifies waiting on the database) outlive V8's young
// generation collections, so their objects are promoted and die in the old generation; V8 lets that space grow to a
// multiple (up to 4×) of what was live after the last full collection before it collects again, so a process with
// 40 MiB live sat at 200–260 MiB under the verify benchmark. Growing by MFA_HEAP_GROWTH_PERCENT over the live size
// instead keeps it near its live size, for more frequent (concurrent, incremental) full collections: peak RSS and CPU
// per verify with each setting are in docs/benchmarks.md. V8 reads this flag at every collection, so setting it once
// the process runs takes effect.
import { setFlagsFromString } from "node:v8";

export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
}
