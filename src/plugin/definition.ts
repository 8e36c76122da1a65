/**
 * What a plugin author writes: `export default definePlugin({ ... })` in the plugin's root module.
 * This file goes into every plugin bundle, so it stays tiny and imports nothing of the host side.
 */

/** Marks an object as a plugin definition; a global symbol so every bundled copy agrees. */
export const pluginBrand: unique symbol = Symbol.for('hotswap.plugin.definition') as never;

/** Functions the host can call through `manager.invoke(plugin, name, ...args)`. */
export type PluginFunctions = Record<string, (...args: never[]) => unknown>;

/** A live function: found by its name prefix at build time, called by name through the vault. */
export type LiveFunction = (...args: never[]) => unknown;

/** A live type: an exported class found by its name prefix at build time. */
export type LiveType = abstract new (...args: never[]) => unknown;

/** A typed map for plain data the plugins of one generation share. */
export interface DataBag<Schema extends Record<string, unknown> = Record<string, unknown>> {
  get<K extends keyof Schema & string>(key: K): Schema[K] | undefined;
  /** Stores `value`, which must be plain data (checked as live data is): no functions, no class instances. */
  set<K extends keyof Schema & string>(key: K, value: Schema[K]): void;
  has(key: keyof Schema & string): boolean;
  delete(key: keyof Schema & string): boolean;
  keys(): (keyof Schema & string)[];
}

/** Identifies a scheduled live job. */
export type JobId = number;

/**
 * Host-side scheduler for work that must outlive a version: a job stores a live function's NAME and
 * plain data, and when it fires calls that function in the generation current THEN.
 */
export interface LiveJobs {
  /** Runs live function `fn` with `data` after `delayMs`. `data` must be plain data (see `live.check`). */
  schedule(fn: string, data: unknown, options: { readonly delayMs: number }): JobId;
  /** Cancels a pending job; false when it already ran or never existed. */
  cancel(id: JobId): boolean;
  /** Jobs scheduled and not yet run. */
  readonly pending: number;
  /** The jobs scheduled and not yet run, oldest first; with `fn`, only those that name it. */
  list(fn?: string): PendingJob[];
}

/** A live job waiting to fire: its id and the name of the live function it will call. */
export interface PendingJob {
  readonly id: JobId;
  readonly fn: string;
}

/**
 * What the host hands to `onVault` and `onInit`. A fresh vault is built for every generation.
 */
export interface Vault<Ext = Record<string, unknown>> {
  /** The generation this vault belongs to. */
  readonly generation: number;
  /** The object the host's `extension()` factory returned for this generation. */
  readonly extension: Ext;
  /** Plain data the plugins of this generation share; a new, empty bag per generation. */
  readonly dataBag: DataBag;
  /** Every live function of every plugin of this generation, by name. */
  readonly liveFuncs: Readonly<Record<string, LiveFunction>>;
  /** Every live type (class) of every plugin of this generation, by name. */
  readonly liveTypes: Readonly<Record<string, LiveType>>;
  /** The manager's live job scheduler (one for the manager's whole life, not per generation). */
  readonly jobs: LiveJobs;
}

/** Handed to every hook: who the plugin is and the exports of the plugins it imports. */
/** The part of an AbortSignal a plugin relies on, for programs compiled without DOM or Node types. */
export interface MinimalAbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
  throwIfAborted(): void;
}

/**
 * `AbortSignal` where the program's types declare it (Node's or the DOM's), else the minimal one:
 * this file is bundled into plugins and must type-check without either.
 */
export type PluginAbortSignal = typeof globalThis extends { readonly AbortSignal: { readonly prototype: infer S } } ? S : MinimalAbortSignal;

export interface PluginContext<Deps = Record<string, unknown>> {
  readonly name: string;
  readonly version: string;
  /** `export()` results of the plugins named in `import`, by plugin name. */
  readonly deps: Deps;
  /**
   * Aborted when this version is freed (after its onFree): pass it to what the version opens that
   * takes a signal (fetch, sockets, servers, streams, `timers/promises`), so it closes with the
   * version. The version's timers and `process` listeners are stopped then too, without it.
   */
  readonly signal: PluginAbortSignal;
  /** Runs `cleanup` when this version is freed (after its onFree; the last registered first). */
  onCleanup(cleanup: () => unknown): void;
}

/**
 * The members a plugin may define. Every member is optional; hooks may be async.
 *
 * Lifecycle of one plugin instance, in dependency order among plugins: the module is evaluated,
 * `reloadable` and `import` are read, `onLoad(data)` runs, then `export()`; then, when it replaces
 * an older version, `restore(old.snapshot(), oldVersion)`; the generation's vault is built;
 * `onVault(vault)` runs (for EVERY plugin of the new generation, carried-over ones included), then
 * `onInit(vault)` (for new instances only). Later, once the last generation that contains this
 * instance is drained and its free delay has passed, `onFree()` runs once, in reverse order.
 */
export interface PluginDefinition<
  Ext = Record<string, unknown>,
  Fns extends PluginFunctions = PluginFunctions,
  Deps = Record<string, unknown>,
  Exports = unknown,
> {
  /**
   * Whether a later build may replace this version. A plugin whose current version says `false`
   * is carried over by every reload.
   * @default true
   */
  readonly reloadable?: boolean;
  /** Names of the plugins this one depends on; their `export()` results arrive as `ctx.deps`. */
  readonly import?: readonly string[];
  /** What this plugin offers the plugins that import it. Runs after onLoad. */
  export?(ctx: PluginContext<Deps>): Exports | Promise<Exports>;
  /** Runs first, with the `data` passed to `load(data)` / `reload(data)`. */
  onLoad?(data: unknown, ctx: PluginContext<Deps>): void | Promise<void>;
  /**
   * Called on the OUTGOING version during a reload that replaces it; returns plain data (checked:
   * no functions or class instances) handed to the incoming version's `restore`.
   */
  snapshot?(): unknown;
  /** Called on the INCOMING version with the outgoing version's snapshot, before onVault/onInit. */
  restore?(state: unknown, fromVersion: string, ctx: PluginContext<Deps>): void | Promise<void>;
  /** Runs for every plugin of every new generation, carried-over ones too: fill `vault.extension` here. */
  onVault?(vault: Vault<Ext>, ctx: PluginContext<Deps>): void | Promise<void>;
  /** Runs once per instance, after onVault. */
  onInit?(vault: Vault<Ext>, ctx: PluginContext<Deps>): void | Promise<void>;
  /** Runs once when this instance is freed: close what onLoad/onInit opened. */
  onFree?(): void | Promise<void>;
  /** Named functions the host calls with `manager.invoke(plugin, name, ...args)`. */
  readonly functions?: Fns;
}

/** A definition as `definePlugin` returns it: the same object, branded. */
export type DefinedPlugin<Def> = Def & { readonly [pluginBrand]: true };

/**
 * The types of a plugin that its definition cannot tell by itself, for `definePlugin.withTypes`:
 * the host's `extension`, what its imports export (`deps`, by plugin name), and, to type the
 * definition from them rather than infer them from it, its `exports` and `functions`.
 */
export interface PluginTypes {
  readonly extension?: unknown;
  readonly deps?: unknown;
  readonly exports?: unknown;
  readonly functions?: PluginFunctions;
}

type ExtensionOf<T> = T extends { readonly extension: infer E } ? E : Record<string, unknown>;
type DepsOf<T> = T extends { readonly deps: infer D } ? D : Record<string, unknown>;
type ExportsGiven<T, Inferred> = T extends { readonly exports: infer X } ? X : Inferred;
type FunctionsGiven<T, Inferred extends PluginFunctions> = T extends { readonly functions: infer X extends PluginFunctions } ? X : Inferred;

/** The definition `definePlugin.withTypes<T>()` takes, with `Fns` and `Exports` inferred unless T gives them. */
export type TypedDefinition<T extends PluginTypes, Fns extends PluginFunctions, Exports> = PluginDefinition<
  ExtensionOf<T>,
  FunctionsGiven<T, Fns>,
  DepsOf<T>,
  ExportsGiven<T, Exports>
>;

export interface DefinePlugin {
  /**
   * Declares a plugin. Use it as the default export of the plugin's root module. Its functions and
   * exports are inferred from the definition; to type the vault's extension or `ctx.deps`, use
   * `definePlugin.withTypes<{ extension, deps }>()({ ... })`.
   * @example
   * export default definePlugin({
   *   functions: { greet: (name: string) => `hello ${name}` },
   *   export: () => ({ count: () => 1 }),
   * });
   */
  <Ext = Record<string, unknown>, Fns extends PluginFunctions = PluginFunctions, Deps = Record<string, unknown>, Exports = unknown>(
    definition: PluginDefinition<Ext, Fns, Deps, Exports>,
  ): DefinedPlugin<PluginDefinition<Ext, Fns, Deps, Exports>>;
  /**
   * `definePlugin` with the types a definition cannot tell given once, the others still inferred:
   * @example
   * import type alpha from '../alpha/index.js';
   * export default definePlugin.withTypes<{ extension: ChatExtension; deps: { alpha: ExportsOf<typeof alpha> } }>()({
   *   import: ['alpha'],
   *   onInit(vault, ctx) { vault.extension.say = (text) => ctx.deps.alpha.greet(text); },
   * });
   */
  withTypes<T extends PluginTypes>(): <Fns extends PluginFunctions = Record<never, never>, Exports = undefined>(
    definition: TypedDefinition<T, Fns, Exports>,
  ) => DefinedPlugin<TypedDefinition<T, Fns, Exports>>;
}

function brand<Def extends object>(definition: Def): DefinedPlugin<Def> {
  return Object.defineProperty(definition, pluginBrand, { value: true, enumerable: false }) as DefinedPlugin<Def>;
}

export const definePlugin: DefinePlugin = Object.assign(<Def extends object>(definition: Def): DefinedPlugin<Def> => brand(definition), {
  withTypes: () => brand,
}) as DefinePlugin;

/** What a plugin's `export()` gives the plugins that import it: `ExportsOf<typeof alpha>`. */
export type ExportsOf<P> = P extends { export?: (...args: never[]) => infer R } ? Awaited<R> : undefined;

/** A plugin's `functions`, as the host calls them: `FunctionsOf<typeof alpha>`. */
export type FunctionsOf<P> = P extends { readonly functions?: infer F } ? Exclude<F, undefined> : PluginFunctions;

/** Whether a value is a definition made by `definePlugin` (of any hotswap version). */
export function isPluginDefinition(value: unknown): value is DefinedPlugin<PluginDefinition<unknown>> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[pluginBrand] === true;
}
