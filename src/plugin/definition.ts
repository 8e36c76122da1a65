/**
 * What a plugin author writes: `export default definePlugin({ ... })` in the plugin's root module.
 * This file goes into every plugin bundle, so it stays tiny and imports nothing of the host side.
 */

/** Marks an object as a plugin definition; a global symbol so every bundled copy agrees. */
export const pluginBrand: unique symbol = Symbol.for('hotswap.plugin.definition') as never;

/** Functions the host can call through `manager.invoke(plugin, name, ...args)`. */
export type PluginFunctions = Record<string, (...args: never[]) => unknown>;

/**
 * What the host hands to `onInit`. A fresh vault is built for every generation; `extension` is
 * the object the host's `extension()` factory returned for this generation.
 */
export interface Vault<Ext = Record<string, unknown>> {
  readonly extension: Ext;
}

/**
 * The members a plugin may define. Every member is optional; hooks may be async.
 *
 * Lifecycle of one plugin instance: the module is evaluated, `reloadable` is read, `onLoad(data)`
 * runs, the generation's vault is built, `onInit(vault)` runs; later, once the generation that
 * last contained this instance is drained and its free delay has passed, `onFree()` runs once.
 */
export interface PluginDefinition<Ext = Record<string, unknown>, Fns extends PluginFunctions = PluginFunctions> {
  /**
   * Whether a later build may replace this version. A plugin whose current version says `false`
   * is carried over by every reload.
   * @default true
   */
  readonly reloadable?: boolean;
  /** Runs first, with the `data` passed to `load(data)` / `reload(data)`. */
  onLoad?(data: unknown): void | Promise<void>;
  /** Runs after the generation's vault is built: fill `vault.extension` here. */
  onInit?(vault: Vault<Ext>): void | Promise<void>;
  /** Runs once when this instance is freed: close what onLoad/onInit opened. */
  onFree?(): void | Promise<void>;
  /** Named functions the host calls with `manager.invoke(plugin, name, ...args)`. */
  readonly functions?: Fns;
}

/** A definition as `definePlugin` returns it: the same object, branded. */
export type DefinedPlugin<Def> = Def & { readonly [pluginBrand]: true };

/**
 * Declares a plugin. Use it as the default export of the plugin's root module:
 * @example
 * export default definePlugin({
 *   functions: { greet: (name: string) => `hello ${name}` },
 *   onFree() { clearInterval(timer); },
 * });
 */
export function definePlugin<Ext = Record<string, unknown>, Fns extends PluginFunctions = PluginFunctions>(
  definition: PluginDefinition<Ext, Fns>,
): DefinedPlugin<PluginDefinition<Ext, Fns>> {
  return Object.defineProperty(definition, pluginBrand, { value: true, enumerable: false }) as DefinedPlugin<
    PluginDefinition<Ext, Fns>
  >;
}

/** Whether a value is a definition made by `definePlugin` (of any hotswap version). */
export function isPluginDefinition(value: unknown): value is DefinedPlugin<PluginDefinition<unknown>> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[pluginBrand] === true;
}
