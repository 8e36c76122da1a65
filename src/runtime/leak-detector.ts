/**
 * Notices freed plugin versions that are never garbage-collected. After onFree, hotswap itself holds
 * nothing of a plugin instance; if its definition object is still alive well after that, something
 * else (a timer the plugin never cleared, a listener on a host object, a function the host stored)
 * keeps its code alive. Every closure of a bundled plugin shares the bundle's top-level scope, which
 * holds the definition, so a leaked closure keeps the watched object alive too.
 */
import { leakChannel } from './diagnostics.js';

export interface SuspectedLeak {
  readonly plugin: string;
  readonly version: string;
  /** When onFree ran (ms since the epoch). */
  readonly freedAt: number;
  readonly message: string;
}

interface Watched {
  readonly plugin: string;
  readonly version: string;
  readonly freedAt: number;
  /** Fires once the grace period is over, to announce the suspect (leakChannel). */
  timer?: NodeJS.Timeout;
}

export class LeakDetector {
  readonly #alive = new Set<Watched>();
  readonly #registry = new FinalizationRegistry<Watched>((watched) => {
    clearTimeout(watched.timer);
    this.#alive.delete(watched);
  });
  readonly #graceMs: number;

  /** @param graceMs how long after its free a version still alive becomes a suspect */
  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** Starts watching `target` (a freed instance's definition) for collection. */
  watch(target: object, plugin: string, version: string, now: number): void {
    const watched: Watched = { plugin, version, freedAt: now };
    this.#alive.add(watched);
    this.#registry.register(target, watched);
    // Announced when the grace period ends if it is still alive then; the timer never keeps the
    // process alive, and holds nothing of the plugin.
    watched.timer = setTimeout(() => {
      if (!this.#alive.has(watched) || !leakChannel.hasSubscribers) return;
      leakChannel.publish(suspect(watched, Date.now()));
      // Node's timers take at most 2^31 - 1 ms; a longer delay would fire at once.
    }, Math.min(this.#graceMs + 1, 2 ** 31 - 1));
    watched.timer.unref();
  }

  /** Freed instances still alive `graceMs` or more after their free. */
  suspects(now: number): SuspectedLeak[] {
    const out: SuspectedLeak[] = [];
    for (const w of this.#alive) if (now - w.freedAt >= this.#graceMs) out.push(suspect(w, now));
    return out;
  }

  /** Freed instances not yet collected, whatever their age. */
  get pending(): number {
    return this.#alive.size;
  }
}

function suspect(w: Watched, now: number): SuspectedLeak {
  return {
    plugin: w.plugin,
    version: w.version,
    freedAt: w.freedAt,
    message:
      `plugin ${w.plugin} version ${w.version} is still referenced ${Math.round((now - w.freedAt) / 1000)} s after it was freed: ` +
      'its timers and process listeners were stopped when it was freed, so something else keeps its code alive ' +
      '(a listener on another emitter, a timer made through globalThis, a function the host or another plugin stored)',
  };
}
