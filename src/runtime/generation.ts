/**
 * A generation: an immutable set of plugin instances plus their vault. The manager's current
 * generation is swapped by one assignment; calls count themselves in the generation they started
 * in, so an old generation knows when it has drained.
 */
import { FunctionNotFoundError, PluginNotFoundError } from '../errors.js';
import { CallCounter } from './call-counter.js';
import { isThenable } from './hooks.js';
import type { PluginInstance } from './instance.js';
import type { GenerationInfo } from './options.js';
import type { GenerationVault } from './vault.js';

type AnyFunction = (...args: unknown[]) => unknown;

export type GenerationState = 'building' | 'current' | 'retired' | 'freed';

/** A plugin as `manager.find()` returns it: its functions, bound to one generation and counted. */
export interface PluginHandle<Fns = Record<string, (...args: never[]) => unknown>> {
  readonly name: string;
  readonly version: string;
  readonly generation: number;
  /** The plugin's functions; each call counts as in flight on this generation until it settles. */
  readonly functions: Readonly<Fns>;
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
  readonly #targets: Record<string, Record<string, AnyFunction> | undefined> = Object.create(null) as never;
  /** The manager's: calls and failures are counted across generations. */
  readonly #counter: CallCounter;

  constructor(id: number, instances: ReadonlyMap<string, PluginInstance>, vault: GenerationVault<Ext>, counter = new CallCounter()) {
    this.id = id;
    this.#counter = counter;
    this.instances = instances;
    this.vault = vault;
    for (const [name, instance] of instances) {
      const byName: Record<string, AnyFunction> = Object.create(null) as never;
      for (const [fn, target] of instance.functions) byName[fn] = target;
      this.#targets[name] = byName;
    }
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
   * The function `fn` of `plugin`. Looked up in null-prototype objects rather than Maps: the names
   * a call site passes are usually constants, and V8 caches such property lookups.
   */
  resolve(plugin: string, fn: string): AnyFunction {
    const target = this.#targets[plugin]?.[fn];
    if (target !== undefined) return target;
    const instance = this.instances.get(plugin);
    if (instance === undefined) throw new PluginNotFoundError(plugin, this.id);
    throw new FunctionNotFoundError(plugin, fn, instance.version);
  }

  /**
   * Calls `target`, counted in flight on this generation until its result settles. Up to three
   * arguments are passed as `a0..a2` (`count` says how many), more as `rest`: the hot path of every
   * plugin call allocates no argument array.
   */
  call(target: AnyFunction, count: number, a0: unknown, a1: unknown, a2: unknown, rest: readonly unknown[] | undefined): unknown {
    this.inFlight++;
    const counter = this.#counter;
    counter.total++;
    let result: unknown;
    try {
      result =
        count === 0
          ? target()
          : count === 1
            ? target(a0)
            : count === 2
              ? target(a0, a1)
              : count === 3
                ? target(a0, a1, a2)
                : Reflect.apply(target, undefined, rest ?? []);
    } catch (error) {
      counter.failed++;
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
        counter.failed++;
        this.leave();
        throw error;
      },
    );
  }

  /** `call` with the arguments in an array. */
  track(target: AnyFunction, args: readonly unknown[]): unknown {
    return this.call(target, args.length, args[0], args[1], args[2], args.length > 3 ? args : undefined);
  }

  /** The plugin's handle for this generation, built once. */
  handle(plugin: string): PluginHandle {
    let handle = this.#handles.get(plugin);
    if (handle !== undefined) return handle;
    const instance = this.instances.get(plugin);
    if (instance === undefined) throw new PluginNotFoundError(plugin, this.id);
    const functions: Record<string, AnyFunction> = {};
    for (const [name, target] of instance.functions) functions[name] = countedFunction(this, target);
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

/** `target` bound to `generation`, each call counted in flight there. */
function countedFunction(generation: Generation<unknown>, target: AnyFunction): AnyFunction {
  // A function expression, not an arrow: `arguments` passes the arguments on without an array.
  return function (a0?: unknown, a1?: unknown, a2?: unknown): unknown {
    const count = arguments.length;
    // eslint-disable-next-line prefer-rest-params -- see above
    return generation.call(target, count, a0, a1, a2, count > 3 ? Array.prototype.slice.call(arguments) : undefined);
  };
}
