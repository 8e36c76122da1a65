/**
 * One loaded version of one plugin. An instance may belong to several generations in a row (it is
 * carried over while unchanged); `generations` counts the unfreed ones, and onFree runs when the
 * last of them is freed.
 */
import { LIVE_EXPORT } from '../artifact/format.js';
import type { Manifest } from '../artifact/manifest.js';
import { PluginInvalidError } from '../errors.js';
import { ResourceScope } from './resource-scope.js';
import { isPluginDefinition, type LiveFunction, type LiveType, type PluginDefinition } from '../plugin/definition.js';

type AnyFunction = (...args: unknown[]) => unknown;

/** Live functions and types as an artifact (or a static link) carries them. */
export interface LiveMembers {
  readonly functions: Readonly<Record<string, LiveFunction>>;
  readonly types: Readonly<Record<string, LiveType>>;
}

const noLiveMembers: LiveMembers = Object.freeze({ functions: Object.freeze({}), types: Object.freeze({}) });

export interface InstanceSource {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  /** The manifest it was loaded from; undefined for a statically linked plugin. */
  readonly manifest: Manifest | undefined;
  /** The plugin directory that manifest was read from; undefined for a statically linked plugin. */
  readonly dir?: string | undefined;
}

export class PluginInstance {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly manifest: Manifest | undefined;
  /** The plugin directory its manifest was read from (what a rollback loads it against again). */
  readonly dir: string | undefined;
  readonly definition: PluginDefinition<unknown>;
  readonly reloadable: boolean;
  readonly imports: readonly string[];
  readonly functions: ReadonlyMap<string, AnyFunction>;
  readonly live: LiveMembers;
  /** What its `export()` returned; set once, right after onLoad. */
  exports: unknown = undefined;
  /** Number of generations not yet freed that contain this instance. */
  generations = 0;
  /** Set once onLoad has succeeded: from then on the instance owns resources and is owed onFree. */
  loaded = false;
  freed = false;
  /** Its timers, process listeners, signal and cleanups: disposed when it is freed. */
  readonly scope: ResourceScope;

  constructor(source: InstanceSource, definition: PluginDefinition<unknown>, live: LiveMembers, scope?: ResourceScope) {
    this.scope = scope ?? new ResourceScope(`${source.name}@${source.version}`);
    this.name = source.name;
    this.version = source.version;
    this.sha256 = source.sha256;
    this.manifest = source.manifest;
    this.dir = source.dir;
    this.definition = definition;
    this.reloadable = definition.reloadable ?? true;
    this.imports = [...(definition.import ?? [])];
    this.functions = new Map(Object.entries(definition.functions ?? {}) as [string, AnyFunction][]);
    this.live = live;
  }

  /** Validates what an artifact's root module exported and wraps it. */
  static fromExports(manifest: Manifest, dir: string, exports: unknown, scope?: ResourceScope): PluginInstance {
    const moduleExports = exports as Record<string, unknown> | null;
    const definition = moduleExports?.default;
    checkDefinition(manifest.name, definition);
    const live = (moduleExports?.[LIVE_EXPORT] as LiveMembers | undefined) ?? noLiveMembers;
    return new PluginInstance(
      { name: manifest.name, version: manifest.version, sha256: manifest.sha256, manifest, dir },
      definition,
      live,
      scope,
    );
  }

  /** Validates a statically linked plugin and wraps it. */
  static fromStatic(source: InstanceSource, definition: unknown, live: LiveMembers | undefined): PluginInstance {
    checkDefinition(source.name, definition);
    return new PluginInstance(source, definition, live ?? noLiveMembers);
  }
}

const HOOKS = ['export', 'onLoad', 'snapshot', 'restore', 'onVault', 'onInit', 'onFree'] as const;

function checkDefinition(plugin: string, definition: unknown): asserts definition is PluginDefinition<unknown> {
  if (!isPluginDefinition(definition)) {
    throw new PluginInvalidError(
      plugin,
      'the default export of its root module must be definePlugin({ ... }) from "hotswap/plugin"',
    );
  }
  if (definition.reloadable !== undefined && typeof definition.reloadable !== 'boolean') {
    throw new PluginInvalidError(plugin, '"reloadable" must be a boolean');
  }
  for (const hook of HOOKS) {
    if (definition[hook] !== undefined && typeof definition[hook] !== 'function') {
      throw new PluginInvalidError(plugin, `"${hook}" must be a function`);
    }
  }
  const imports: unknown = definition.import;
  if (imports !== undefined && (!Array.isArray(imports) || imports.some((d) => typeof d !== 'string'))) {
    throw new PluginInvalidError(plugin, '"import" must be an array of plugin names');
  }
  const functions: unknown = definition.functions;
  if (functions === undefined) return;
  if (typeof functions !== 'object' || functions === null) {
    throw new PluginInvalidError(plugin, '"functions" must be an object of functions');
  }
  for (const [name, fn] of Object.entries(functions)) {
    if (typeof fn !== 'function') throw new PluginInvalidError(plugin, `functions.${name} is not a function`);
  }
}
