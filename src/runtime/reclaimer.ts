/**
 * Freeing retired generations. A retired generation is freed once it has drained (no call in
 * flight) and `freeDelay` has passed since the swap, or when `drainTimeout` has passed since the
 * swap whatever is still running (with a warning). Freeing runs onFree, in reverse load order, for
 * each instance no newer generation still holds, then forgets the generation and reports it with
 * the instances it freed (not those a newer generation carried over: they are freed with it later).
 */
import { describe } from '../errors.js';
import type { Generation } from './generation.js';
import { runHook } from './hooks.js';
import type { DisposedResources } from './resource-scope.js';
import type { PluginInstance } from './instance.js';
import type { LeakDetector } from './leak-detector.js';
import type { Logger } from '../logger.js';
import type { FreedGenerationInfo } from './options.js';

export interface ReclaimerOptions {
  readonly freeDelay: number;
  readonly drainTimeout: number;
  readonly hookTimeout: number;
  readonly logger: Logger;
  readonly leaks: LeakDetector;
  /** Told about each generation once its onFree hooks have run, with the instances it freed. */
  readonly onFreed: (generation: FreedGenerationInfo) => void;
}

interface Retirement {
  readonly delay: NodeJS.Timeout;
  readonly deadline: NodeJS.Timeout;
  delayPassed: boolean;
}

export class Reclaimer<Ext> {
  readonly #options: ReclaimerOptions;
  readonly #retired = new Map<Generation<Ext>, Retirement>();
  readonly #freeing = new Set<Promise<void>>();

  constructor(options: ReclaimerOptions) {
    this.#options = options;
  }

  /** Generations swapped out and not yet freed, oldest first. */
  get retired(): Generation<Ext>[] {
    return [...this.#retired.keys()];
  }

  /** Takes a generation that was just swapped out. */
  retire(generation: Generation<Ext>, now: number): void {
    generation.state = 'retired';
    generation.retiredAt = now;
    const { freeDelay, drainTimeout, logger } = this.#options;
    // The free delay keeps the process alive (onFree should run, to close what the plugin opened);
    // the drain deadline does not: a process that has nothing else to do may exit before it.
    const delay = setTimeout(() => {
      retirement.delayPassed = true;
      if (generation.inFlight === 0) this.#free(generation);
    }, freeDelay);
    const deadline = setTimeout(() => {
      logger.warn(
        `generation ${generation.id} still has ${generation.inFlight} call(s) in flight after drainTimeout ` +
          `(${drainTimeout} ms): freeing it anyway`,
      );
      this.#free(generation);
    }, drainTimeout).unref();
    const retirement: Retirement = { delay, deadline, delayPassed: false };
    this.#retired.set(generation, retirement);
    generation.onDrained = () => {
      if (retirement.delayPassed) this.#free(generation);
    };
  }

  /** Frees every retired generation now, drained or not, and waits for all onFree hooks. */
  async freeAll(): Promise<void> {
    for (const generation of this.#retired.keys()) this.#free(generation);
    await Promise.all(this.#freeing);
  }

  /** Waits for the onFree hooks that are running now. */
  async settled(): Promise<void> {
    await Promise.all(this.#freeing);
  }

  #free(generation: Generation<Ext>): void {
    const retirement = this.#retired.get(generation);
    if (retirement === undefined) return; // already freed
    clearTimeout(retirement.delay);
    clearTimeout(retirement.deadline);
    this.#retired.delete(generation);
    generation.state = 'freed';
    generation.onDrained = undefined;
    const done = this.releaseInstances([...generation.instances.values()])
      .then((freed) => {
        // In load order, like GenerationInfo.plugins; onFree ran in the reverse order.
        const plugins = freed.reverse().map((i) => ({ name: i.name, version: i.version, sha256: i.sha256 }));
        this.#options.onFreed({ id: generation.id, plugins });
      })
      .finally(() => this.#freeing.delete(done));
    this.#freeing.add(done);
  }

  /**
   * Drops one generation's hold on each instance and runs onFree, in reverse load order, for the
   * instances nothing holds any more; resolves with those, in the order they were freed. onFree
   * failures are logged: the generation is gone either way.
   */
  async releaseInstances(instances: readonly PluginInstance[]): Promise<PluginInstance[]> {
    const freed: PluginInstance[] = [];
    for (const instance of [...instances].reverse()) {
      instance.generations--;
      if (instance.generations > 0) continue;
      if (await this.freeInstance(instance)) freed.push(instance);
    }
    return freed;
  }

  /**
   * Runs onFree once for an instance that owns resources, then watches it for collection. False
   * when it had been freed already.
   */
  async freeInstance(instance: PluginInstance): Promise<boolean> {
    if (instance.freed) return false;
    instance.freed = true;
    const { hookTimeout, logger, leaks } = this.#options;
    const definition = instance.definition;
    if (instance.loaded && definition.onFree !== undefined) {
      try {
        await runHook(instance.name, 'onFree', hookTimeout, () => definition.onFree?.());
      } catch (error) {
        logger.error(describe(error));
      }
    }
    // What the version left running (or onFree did not stop) is stopped now, so nothing of the
    // scope's keeps it alive.
    const left = await instance.scope.dispose(hookTimeout);
    const stopped = describeStopped(left);
    if (stopped !== undefined) logger.info(`plugin ${instance.name} version ${instance.version} left ${stopped} running when it was freed: stopped`);
    for (const failure of left.failures) logger.error(`a cleanup of plugin ${instance.name} version ${instance.version} failed: ${describe(failure)}`);
    logger.debug(`freed plugin ${instance.name} version ${instance.version}`);
    leaks.watch(instance.definition, instance.name, instance.version, Date.now());
    return true;
  }
}

/** `2 timers, 1 process listener (SIGUSR2)`, or undefined when nothing was left running. */
function describeStopped(left: DisposedResources): string | undefined {
  const parts: string[] = [];
  const count = (n: number, what: string): void => {
    if (n > 0) parts.push(`${n} ${what}${n === 1 ? '' : 's'}`);
  };
  count(left.timers, 'timer');
  count(left.immediates, 'immediate');
  if (left.listeners.length > 0) parts.push(`${left.listeners.length} process listener${left.listeners.length === 1 ? '' : 's'} (${left.listeners.join(', ')})`);
  return parts.length === 0 ? undefined : parts.join(', ');
}
