/**
 * A plugin version's resource scope. The default loader hands each version its own `setTimeout`,
 * `setInterval`, `setImmediate` (and their `clear*`) and `process`, in place of the globals (they
 * are parameters of the function the artifact is compiled into), so the scope knows the timers the
 * version starts and the process listeners it adds. It also has an AbortSignal (`ctx.signal`) for
 * everything else the version opens, and cleanups the version registers (`ctx.onCleanup`).
 *
 * When the version is freed (after its onFree, if it has one), the scope is disposed: its timers
 * are cleared, its process listeners removed, its signal aborted and its cleanups run. A version
 * that forgot to stop an interval is then collected all the same. A timer that fires while the
 * version drains still runs: nothing is stopped before the version is freed.
 *
 * What the scope cannot reach: a timer or listener made through `globalThis`, a listener on another
 * emitter that ignores the signal, a reference the host keeps. The leak detector names the version
 * those keep alive.
 */
type Callback = (...args: unknown[]) => void;

/** The names a scope's functions are passed under to the artifact (after ARTIFACT_PARAMETERS). */
export const SCOPE_PARAMETERS = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'process'] as const;

/** The globals those names stand for, for code loaded without a scope. */
export function globalParameters(): unknown[] {
  return [setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate, process];
}

/** What disposing found still running (what the version had not stopped itself). */
export interface DisposedResources {
  readonly timers: number;
  readonly immediates: number;
  readonly listeners: readonly string[];
  readonly cleanups: number;
  /** Cleanups that threw or rejected. */
  readonly failures: readonly unknown[];
}

/** The process events a scoped `process` records listeners for. */
const LISTEN = new Set<PropertyKey>(['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']);
const UNLISTEN = new Set<PropertyKey>(['off', 'removeListener']);

export class ResourceScope {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #immediates = new Set<NodeJS.Immediate>();
  readonly #listeners: Array<{ readonly event: string | symbol; readonly listener: Callback }> = [];
  readonly #cleanups: Array<() => unknown> = [];
  readonly #controller = new AbortController();
  #disposed = false;
  #process: NodeJS.Process | undefined;

  /** @param owner names the version in the signal's abort reason, e.g. `alpha@1.2.0`. */
  constructor(readonly owner: string) {}

  /** Aborted when the version is freed. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Runs `cleanup` when the version is freed (at once if it was). */
  onCleanup(cleanup: () => unknown): void {
    if (typeof cleanup !== 'function') throw new TypeError('onCleanup expects a function');
    if (this.#disposed) void Promise.resolve().then(cleanup).catch(() => undefined);
    else this.#cleanups.push(cleanup);
  }

  /** The values the loader passes for SCOPE_PARAMETERS, in that order. */
  parameters(): unknown[] {
    return [this.setTimeout, this.setInterval, this.setImmediate, this.clearTimeout, this.clearInterval, this.clearImmediate, this.process];
  }

  readonly setTimeout = (callback: Callback, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      callback(...args);
    }, ms);
    if (this.#disposed) clearTimeout(timer);
    else this.#timers.add(timer);
    return timer;
  };

  readonly setInterval = (callback: Callback, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    const timer = setInterval(callback, ms, ...args);
    if (this.#disposed) clearInterval(timer);
    else this.#timers.add(timer);
    return timer;
  };

  readonly setImmediate = (callback: Callback, ...args: unknown[]): NodeJS.Immediate => {
    const immediate = setImmediate(() => {
      this.#immediates.delete(immediate);
      callback(...args);
    });
    if (this.#disposed) clearImmediate(immediate);
    else this.#immediates.add(immediate);
    return immediate;
  };

  readonly clearTimeout = (timer: NodeJS.Timeout | string | number | undefined): void => {
    if (typeof timer === 'object') this.#timers.delete(timer);
    clearTimeout(timer);
  };

  readonly clearInterval = (timer: NodeJS.Timeout | string | number | undefined): void => {
    if (typeof timer === 'object') this.#timers.delete(timer);
    clearInterval(timer);
  };

  readonly clearImmediate = (immediate: NodeJS.Immediate | undefined): void => {
    if (immediate !== undefined) this.#immediates.delete(immediate);
    clearImmediate(immediate);
  };

  /**
   * `process`, with its listener methods recorded by this scope; everything else is the real
   * process's. Listener methods return the scoped process, so chained calls stay in the scope.
   */
  get process(): NodeJS.Process {
    this.#process ??= this.#scopedProcess();
    return this.#process;
  }

  #scopedProcess(): NodeJS.Process {
    const methods = new Map<PropertyKey, Callback>();
    for (const name of LISTEN) {
      methods.set(name, (event: unknown, listener: unknown): NodeJS.Process => {
        const key = event as string | symbol;
        const callback = listener as Callback;
        (process[name as 'on'] as (e: string | symbol, l: Callback) => unknown).call(process, key, callback);
        if (this.#disposed) process.removeListener(key, callback);
        else this.#listeners.push({ event: key, listener: callback });
        return scoped;
      });
    }
    for (const name of UNLISTEN) {
      methods.set(name, (event: unknown, listener: unknown): NodeJS.Process => {
        process.removeListener(event as string | symbol, listener as Callback);
        const at = this.#listeners.findIndex((l) => l.event === event && l.listener === listener);
        if (at !== -1) this.#listeners.splice(at, 1);
        return scoped;
      });
    }
    const scoped: NodeJS.Process = new Proxy(process, {
      get(target, property): unknown {
        return methods.get(property) ?? (Reflect.get(target, property, target) as unknown);
      },
      set(target, property, value) {
        return Reflect.set(target, property, value, target);
      },
    });
    return scoped;
  }

  /**
   * Stops what the version left running; resolves with what that was. Runs once. A cleanup that
   * does not settle within `cleanupTimeoutMs` is given up on (and reported as failed), so a free
   * never hangs on one.
   */
  async dispose(cleanupTimeoutMs = Infinity): Promise<DisposedResources> {
    if (this.#disposed) return { timers: 0, immediates: 0, listeners: [], cleanups: 0, failures: [] };
    this.#disposed = true;
    const timers = this.#timers.size;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const immediates = this.#immediates.size;
    for (const immediate of this.#immediates) clearImmediate(immediate);
    this.#immediates.clear();
    const listeners = this.#listeners.map(({ event }) => String(event));
    for (const { event, listener } of this.#listeners) process.removeListener(event, listener);
    this.#listeners.length = 0;
    this.#controller.abort(new Error(`plugin ${this.owner} was freed`));
    const cleanups = this.#cleanups.splice(0);
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const settled = Promise.resolve().then(cleanup);
        if (cleanupTimeoutMs === Infinity) await settled;
        else {
          const expired = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`a cleanup of ${this.owner} did not settle within ${cleanupTimeoutMs} ms`)), cleanupTimeoutMs);
          });
          await Promise.race([settled, expired]);
        }
      } catch (error) {
        failures.push(error);
      } finally {
        clearTimeout(timer);
      }
    }
    return { timers, immediates, listeners, cleanups: cleanups.length, failures };
  }
}
