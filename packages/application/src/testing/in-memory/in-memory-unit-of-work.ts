// Transactions over the in-memory store: one at a time (like serializable transactions, and so findForUpdate needs no
// lock), all or nothing (a throw inside `run` restores the snapshot taken when it began).
import type { Repositories, UnitOfWork } from "../../index.js";
import type { InMemoryStore } from "./in-memory-store.js";

export class InMemoryUnitOfWork implements UnitOfWork {
  private queue: Promise<unknown> = Promise.resolve();
  /** How many transactions committed and rolled back: for assertions such as "one transaction per verify". */
  committed = 0;
  rolledBack = 0;

  /**
   * With `optimistic`, the storage's statements without a transaction (UnitOfWork.direct): each repository call stands
   * alone, nothing is rolled back, and the store's conditional writes (`steps.writeIfUnchanged`) decide. Such work
   * still runs one at a time with the transactions; a test makes the race between its read and its write with
   * `FaultInjectingUnitOfWork.beforeCall`.
   */
  readonly direct: (<T>(work: (repos: Repositories) => Promise<T>) => Promise<T>) | undefined;

  constructor(
    readonly store: InMemoryStore,
    options: { readonly optimistic?: boolean } = {},
  ) {
    this.direct = options.optimistic ? (work) => this.enqueue(() => work(this.store.repositories())) : undefined;
  }

  /** Do not call `run` again inside `work`: the nested call would wait for the outer one forever, as on PGlite. */
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.enqueue(() => this.transaction(work));
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    const snapshot = this.store.snapshot();
    let open = true;
    const repos = this.store.repositories(() => {
      if (!open) throw new Error("this unit of work has ended: its repositories can no longer be used");
    });
    try {
      const value = await work(repos);
      this.committed += 1;
      return value;
    } catch (error) {
      this.store.restore(snapshot);
      this.rolledBack += 1;
      throw error;
    } finally {
      open = false;
    }
  }
}
