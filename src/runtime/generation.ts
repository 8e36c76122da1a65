/**
 * A generation: an immutable set of plugin instances plus their vault. The manager's current
 * generation is swapped by one assignment; calls count themselves in the generation they started
 * in, so an old generation knows when it has drained.
 */
import { FunctionNotFoundError, PluginNotFoundError } from '../errors.js';
import { isThenable } from './hooks.js';
import type { PluginInstance } from './instance.js';
import type { GenerationInfo } from './options.js';
import type { GenerationVault } from './vault.js';

export type GenerationState = 'building' | 'current' | 'retired' | 'freed';

/** A plugin as `manager.find()` returns it: its functions, bound to one generation and counted. */
export interface PluginHandle {
  readonly name: string;
  readonly version: string;
  readonly generation: number;
  /** The plugin's functions; each call counts as in flight on this generation until it settles. */
  readonly functions: Readonly<Record<string, (...args: never[]) => unknown>>;
}

export class Generation<Ext> {
  readonly id: number;
  /** Plugin instances in load order. */
  readonly instances: ReadonlyMap<string, PluginInstance>;
  readonly vault: GenerationVault<Ext>;
  state: GenerationState = 'building';
  swappedAt: number | undefined;
  retiredAt: number | undefined;
  /** Calls (and pins) running on this generation. */
  inFlight = 0;
  /** Called when inFlight drops to 0 while retired. */
  onDrained: (() => void) | undefined;
  readonly #handles = new Map<string, PluginHandle>();

  constructor(id: number, instances: ReadonlyMap<string, PluginInstance>, vault: GenerationVault<Ext>) {
    this.id = id;
    this.instances = instances;
    this.vault = vault;
  }

  /** The generation as callbacks and events see it. */
  info(): GenerationInfo {
    return {
      id: this.id,
      plugins: [...this.instances.values()].map((i) => ({ name: i.name, version: i.version, sha256: i.sha256 })),
    };
  }

  enter(): void {
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.state === 'retired') this.onDrained?.();
  }

  /**
   * Calls `fn` of `plugin` on this generation, counted in flight until its result settles.
   * Kept small: this is the hot path of every plugin call.
   */
  invoke(plugin: string, fn: string, args: unknown[]): unknown {
    const instance = this.instances.get(plugin);
    if (instance === undefined) throw new PluginNotFoundError(plugin, this.id);
    const target = instance.functions.get(fn);
    if (target === undefined) throw new FunctionNotFoundError(plugin, fn, instance.version);
    return this.track(target, args);
  }

  track(target: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    this.inFlight++;
    let result: unknown;
    try {
      result = target(...args);
    } catch (error) {
      this.leave();
      throw error;
    }
    if (!isThenable(result)) {
      this.leave();
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        this.leave();
        return value;
      },
      (error: unknown) => {
        this.leave();
        throw error;
      },
    );
  }

  /** The plugin's handle for this generation, built once. */
  handle(plugin: string): PluginHandle {
    let handle = this.#handles.get(plugin);
    if (handle !== undefined) return handle;
    const instance = this.instances.get(plugin);
    if (instance === undefined) throw new PluginNotFoundError(plugin, this.id);
    const functions: Record<string, (...args: unknown[]) => unknown> = {};
    for (const [name, target] of instance.functions) {
      functions[name] = (...args: unknown[]) => this.track(target, args);
    }
    handle = Object.freeze({
      name: instance.name,
      version: instance.version,
      generation: this.id,
      functions: Object.freeze(functions),
    });
    this.#handles.set(plugin, handle);
    return handle;
  }
}
