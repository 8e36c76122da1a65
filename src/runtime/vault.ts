/**
 * The vault of one generation: what the host hands to each plugin's onVault and onInit. A new vault,
 * with a new extension object from the manager's `extension()` factory and an empty data bag, is
 * built for every generation, so nothing a plugin put into an old generation's vault survives into
 * the next one (and nothing in it can keep old code alive).
 */
import { DuplicateLiveNameError } from '../errors.js';
import { check } from '../live/data.js';
import type { DataBag, LiveFunction, LiveJobs, LiveType, Vault } from '../plugin/definition.js';
import type { PluginInstance } from './instance.js';

export class PlainDataBag implements DataBag {
  readonly #values = new Map<string, unknown>();

  get<T>(key: string): T | undefined {
    return this.#values.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    check(value);
    this.#values.set(key, value);
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  delete(key: string): boolean {
    return this.#values.delete(key);
  }

  keys(): string[] {
    return [...this.#values.keys()];
  }
}

/** Every live function and type of `instances`, by name; a name twice (ignoring case) is refused. */
export function collectLiveMembers(instances: Iterable<PluginInstance>): {
  functions: Record<string, LiveFunction>;
  types: Record<string, LiveType>;
} {
  const functions: Record<string, LiveFunction> = {};
  const types: Record<string, LiveType> = {};
  const owners = new Map<string, string>();
  const claim = (name: string, where: string): void => {
    const previous = owners.get(name.toLowerCase());
    if (previous !== undefined) throw new DuplicateLiveNameError(name, previous, where);
    owners.set(name.toLowerCase(), where);
  };
  for (const instance of instances) {
    for (const [name, fn] of Object.entries(instance.live.functions)) {
      claim(name, `plugin ${instance.name}`);
      functions[name] = fn;
    }
    for (const [name, type] of Object.entries(instance.live.types)) {
      claim(name, `plugin ${instance.name}`);
      types[name] = type;
    }
  }
  return { functions, types };
}

export class GenerationVault<Ext> implements Vault<Ext> {
  readonly generation: number;
  readonly extension: Ext;
  readonly dataBag: DataBag = new PlainDataBag();
  readonly liveFuncs: Readonly<Record<string, LiveFunction>>;
  readonly liveTypes: Readonly<Record<string, LiveType>>;
  readonly jobs: LiveJobs;

  constructor(generation: number, extension: Ext, instances: Iterable<PluginInstance>, jobs: LiveJobs) {
    this.generation = generation;
    this.extension = extension;
    const live = collectLiveMembers(instances);
    this.liveFuncs = Object.freeze(live.functions);
    this.liveTypes = Object.freeze(live.types);
    this.jobs = jobs;
  }
}
