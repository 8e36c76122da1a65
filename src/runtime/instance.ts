/**
 * One loaded version of one plugin. An instance may belong to several generations in a row (it is
 * carried over while unchanged); `generations` counts the unfreed ones, and onFree runs when the
 * last of them is freed.
 */
import type { Manifest } from '../artifact/manifest.js';
import { PluginInvalidError } from '../errors.js';
import { isPluginDefinition, type PluginDefinition } from '../plugin/definition.js';

type AnyFunction = (...args: unknown[]) => unknown;

export class PluginInstance {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly definition: PluginDefinition<unknown>;
  readonly reloadable: boolean;
  readonly functions: ReadonlyMap<string, AnyFunction>;
  /** Number of generations not yet freed that contain this instance. */
  generations = 0;
  /** Set once onLoad has succeeded: from then on the instance owns resources and is owed onFree. */
  loaded = false;
  freed = false;

  constructor(manifest: Manifest, definition: PluginDefinition<unknown>) {
    this.name = manifest.name;
    this.version = manifest.version;
    this.sha256 = manifest.sha256;
    this.definition = definition;
    this.reloadable = definition.reloadable ?? true;
    this.functions = new Map(Object.entries(definition.functions ?? {}) as [string, AnyFunction][]);
  }

  /** Validates what a plugin's root module exported and wraps it. */
  static fromExports(manifest: Manifest, exports: unknown): PluginInstance {
    const definition = (exports as { default?: unknown } | null)?.default;
    if (!isPluginDefinition(definition)) {
      throw new PluginInvalidError(
        manifest.name,
        'the default export of its root module must be definePlugin({ ... }) from "hotswap/plugin"',
      );
    }
    checkDefinition(manifest.name, definition);
    return new PluginInstance(manifest, definition);
  }
}

function checkDefinition(plugin: string, definition: PluginDefinition<unknown>): void {
  if (definition.reloadable !== undefined && typeof definition.reloadable !== 'boolean') {
    throw new PluginInvalidError(plugin, '"reloadable" must be a boolean');
  }
  for (const hook of ['onLoad', 'onInit', 'onFree'] as const) {
    if (definition[hook] !== undefined && typeof definition[hook] !== 'function') {
      throw new PluginInvalidError(plugin, `"${hook}" must be a function`);
    }
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
