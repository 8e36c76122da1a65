/**
 * Notices freed plugin versions that are never garbage-collected. After onFree, hotswap itself holds
 * nothing of a plugin instance; if its definition object is still alive well after that, something
 * else (a timer the plugin never cleared, a listener on a host object, a function the host stored)
 * keeps its code alive. Every closure of a bundled plugin shares the bundle's top-level scope, which
 * holds the definition, so a leaked closure keeps the watched object alive too.
 */

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
}

export class LeakDetector {
  readonly #alive = new Set<Watched>();
  readonly #registry = new FinalizationRegistry<Watched>((watched) => this.#alive.delete(watched));

  /** Starts watching `target` (a freed instance's definition) for collection. */
  watch(target: object, plugin: string, version: string, now: number): void {
    const watched: Watched = { plugin, version, freedAt: now };
    this.#alive.add(watched);
    this.#registry.register(target, watched);
  }

  /** Freed instances still alive `graceMs` or more after their free. */
  suspects(now: number, graceMs: number): SuspectedLeak[] {
    const out: SuspectedLeak[] = [];
    for (const w of this.#alive) {
      const age = now - w.freedAt;
      if (age < graceMs) continue;
      out.push({
        plugin: w.plugin,
        version: w.version,
        freedAt: w.freedAt,
        message:
          `plugin ${w.plugin} version ${w.version} is still referenced ${Math.round(age / 1000)} s after it was freed: ` +
          'something keeps its code alive (an uncleared timer or listener, or a stored function)',
      });
    }
    return out;
  }

  /** Freed instances not yet collected, whatever their age. */
  get pending(): number {
    return this.#alive.size;
  }
}
