// Wraps a unit of work so a test can step into a transaction at one repository call: make it throw (e.g. the audit
// append that comes after the attempt and the failure counter were written, to show the transaction leaves nothing
// behind), or run something just before it (e.g. a parallel request claiming the same time step between our read and
// our claim — the race PostgreSQL would allow, which the serial in-memory store otherwise never shows).
import type { Repositories, UnitOfWork } from "../../index.js";

export class InjectedFault extends Error {
  override readonly name = "InjectedFault";
}

/** `"<repository>.<method>"`, e.g. `"credentials.advanceTimeStep"`. */
export type RepositoryMethod = {
  [R in keyof Repositories]: `${R}.${keyof Repositories[R] & string}`;
}[keyof Repositories];

/** Runs before the intercepted call, with the transaction's own (unintercepted) repositories and the call's arguments. */
export type BeforeCallHook = (repos: Repositories, args: readonly unknown[]) => Promise<void>;

interface Interception {
  readonly repo: keyof Repositories;
  readonly method: string;
  readonly act: BeforeCallHook;
  /** Calls that still pass untouched before it acts. */
  skip: number;
  /** How many more times it acts. */
  remaining: number;
  fired: number;
}

export interface InterceptionOptions {
  /** Let this many calls through first (default 0). */
  readonly skip?: number;
  /** Act this many times (default: every call for failOn, once for beforeCall). */
  readonly times?: number;
}

type AnyMethod = (...args: unknown[]) => unknown;

export class FaultInjectingUnitOfWork implements UnitOfWork {
  private readonly interceptions: Interception[] = [];

  readonly direct: UnitOfWork["direct"];

  constructor(readonly inner: UnitOfWork) {
    const direct = inner.direct;
    this.direct = direct && ((work) => direct((repos) => work(this.interceptions.length === 0 ? repos : this.wrap(repos))));
  }

  /** Makes a repository method throw `error` (an `InjectedFault` by default) inside later units of work. */
  failOn(target: RepositoryMethod, options: InterceptionOptions & { readonly error?: Error } = {}): { readonly fired: number } {
    const error = options.error ?? new InjectedFault(`injected fault in ${target}`);
    return this.intercept(
      target,
      async () => {
        throw error;
      },
      options.skip ?? 0,
      options.times ?? Number.POSITIVE_INFINITY,
    );
  }

  /** Runs `hook` inside the transaction just before the repository method is called (once by default). */
  beforeCall(target: RepositoryMethod, hook: BeforeCallHook, options: InterceptionOptions = {}): { readonly fired: number } {
    return this.intercept(target, hook, options.skip ?? 0, options.times ?? 1);
  }

  clearFaults(): void {
    this.interceptions.length = 0;
  }

  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.inner.run((repos) => work(this.interceptions.length === 0 ? repos : this.wrap(repos)));
  }

  private intercept(target: RepositoryMethod, act: BeforeCallHook, skip: number, times: number): { readonly fired: number } {
    const [repo, method] = target.split(".") as [keyof Repositories, string];
    const interception: Interception = { repo, method, act, skip, remaining: times, fired: 0 };
    this.interceptions.push(interception);
    return {
      get fired() {
        return interception.fired;
      },
    };
  }

  private wrap(repos: Repositories): Repositories {
    const out: Record<string, unknown> = { ...repos };
    for (const key of Object.keys(repos) as (keyof Repositories)[]) {
      const mine = this.interceptions.filter((i) => i.repo === key);
      if (mine.length === 0) continue;
      const target = repos[key] as object;
      out[key] = new Proxy(target, {
        get(t, prop, receiver) {
          const value = Reflect.get(t, prop, receiver) as unknown;
          if (typeof value !== "function") return value;
          const method = value as AnyMethod;
          const on = mine.filter((i) => i.method === prop);
          if (on.length === 0) return method.bind(t);
          return async (...args: unknown[]) => {
            // The first interception of this method that has not run its course acts (an exhausted one stays listed).
            const interception = on.find((i) => i.skip > 0 || i.remaining > 0);
            if (interception && interception.skip > 0) interception.skip -= 1;
            else if (interception) {
              interception.remaining -= 1;
              interception.fired += 1;
              await interception.act(repos, args);
            }
            return method.apply(t, args);
          };
        },
      });
    }
    return out as unknown as Repositories;
  }
}
