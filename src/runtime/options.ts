/**
 * Options of `new PluginManager(...)`, their defaults, and their validation.
 */
import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { trustedKeySet, type TrustedKey } from '../signing/keys.js';
import { InvalidArgumentError, type HotswapError } from '../errors.js';
import type { StaticPlugin } from './candidates.js';
import type { ArtifactLoader } from './loader.js';
import { defaultLogger, type Logger } from '../logger.js';

/** A generation as callbacks see it. */
export interface GenerationInfo {
  readonly id: number;
  readonly plugins: readonly { readonly name: string; readonly version: string; readonly sha256: string }[];
}

/**
 * A replaced generation once freed, as the manager's `freed` event reports it. `plugins` lists the
 * versions freed with it (their onFree ran, if they have one), in load order; a version a newer
 * generation still uses (carried over) is not listed: it is freed with the last generation that
 * holds it, and listed there.
 */
export interface FreedGenerationInfo {
  readonly id: number;
  readonly plugins: GenerationInfo['plugins'];
}

export interface PluginManagerOptions<Ext = Record<string, unknown>> {
  /**
   * Directory holding the manifests and artifacts that `hotswap build` wrote. Required unless
   * `staticPlugins` is given.
   */
  pluginDir?: string;
  /**
   * Statically linked plugins (the module `hotswap build --static-linking` generates): the same
   * lifecycle with no dynamic loading; `reload()` then fails with HOTSWAP_ERR_STATIC_RELOAD.
   */
  staticPlugins?: readonly StaticPlugin[];
  /**
   * Milliseconds to keep a replaced generation after the swap before it may be freed, even when no
   * counted call is running on it: time for work hotswap cannot count (a callback a plugin handed
   * out) to finish.
   * @default 5000
   */
  freeDelay?: number;
  /**
   * Milliseconds after the swap at which a replaced generation is freed even though calls are still
   * in flight on it (a warning names it). Must be at least `freeDelay`.
   * @default 60000
   */
  drainTimeout?: number;
  /**
   * Milliseconds an asynchronous hook (onLoad, onInit, onFree, onReload) may take before the
   * reload fails with HOTSWAP_ERR_HOOK_TIMEOUT.
   * @default 10000
   */
  hookTimeout?: number;
  /**
   * Builds the extension object of each generation's vault; called once per generation.
   * @default () => ({})
   */
  extension?: () => Ext;
  /**
   * Runs last in every load and reload, after every hook succeeded and before the swap. Return
   * `false` (or throw) to veto: the new generation is discarded and the current one keeps serving.
   */
  onReload?: (next: GenerationInfo, prev: GenerationInfo | undefined) => boolean | void | Promise<boolean | void>;
  /** Load only these plugins; each of them must be present. @default every plugin in pluginDir */
  whitelist?: readonly string[];
  /** @default warnings on stderr, debug through `NODE_DEBUG=hotswap` */
  logger?: Logger;
  /** How artifacts are compiled into the process. @default new FunctionArtifactLoader() */
  loader?: ArtifactLoader;
  /**
   * Milliseconds after its free at which a plugin version still alive is reported by
   * `status().leaks`.
   * @default 30000
   */
  leakGracePeriod?: number;
  /**
   * Turn on Node's source-map support (`process.setSourceMapsEnabled(true)`) so stack traces from
   * plugin code name the original .ts files. Process-wide.
   * @default true
   */
  sourceMaps?: boolean;
  /**
   * How many of its latest generations (the current one included) the manager keeps for
   * `rollback()`: their manifests, and a copy of each artifact they use in the per-user runtime
   * directory, so a rollback finds the exact bytes after the plugin directory moved on. 0 turns
   * rollback off.
   * @default 5
   */
  keepGenerations?: number;
  /**
   * Public keys (PEM text or KeyObject, ed25519: `hotswap keygen`'s .pub file) whose signatures this
   * host trusts. When given, a plugin whose manifest is unsigned (`hotswap build` without `--sign`),
   * signed by another key, or changed after signing is refused (HOTSWAP_ERR_SIGNATURE_MISSING,
   * _UNTRUSTED, _INVALID, stage `load`) and the current generation keeps serving. Several keys may
   * be trusted at once (a key rotation). Statically linked plugins are part of the program: not checked.
   * @default none: builds are not checked for a signature
   */
  trustedKeys?: readonly TrustedKey[];
}

export interface ResolvedOptions<Ext> {
  readonly pluginDir: string | undefined;
  readonly staticPlugins: readonly StaticPlugin[] | undefined;
  readonly freeDelay: number;
  readonly drainTimeout: number;
  readonly hookTimeout: number;
  readonly extension: () => Ext;
  readonly onReload: PluginManagerOptions<Ext>['onReload'];
  readonly whitelist: readonly string[] | undefined;
  readonly logger: Logger;
  readonly loader: ArtifactLoader | undefined;
  readonly leakGracePeriod: number;
  readonly sourceMaps: boolean;
  readonly keepGenerations: number;
  readonly trustedKeys: ReadonlyMap<string, KeyObject> | undefined;
}

export const defaults = {
  freeDelay: 5000,
  drainTimeout: 60000,
  hookTimeout: 10000,
  leakGracePeriod: 30000,
} as const;

export function resolveOptions<Ext>(options: PluginManagerOptions<Ext>): ResolvedOptions<Ext> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'expected an object');
  const { pluginDir, staticPlugins } = options;
  if (staticPlugins !== undefined) {
    if (!Array.isArray(staticPlugins)) throw new InvalidArgumentError('staticPlugins', 'expected an array');
    if (pluginDir !== undefined) throw new InvalidArgumentError('pluginDir', 'give pluginDir or staticPlugins, not both');
  } else if (typeof pluginDir !== 'string' || pluginDir === '') {
    throw new InvalidArgumentError('pluginDir', 'expected a non-empty string');
  }
  const ms = (name: keyof typeof defaults): number => {
    const value = options[name] ?? defaults[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(name, `expected a finite number of milliseconds >= 0, got ${String(value)}`);
    }
    return value;
  };
  const freeDelay = ms('freeDelay');
  const drainTimeout = ms('drainTimeout');
  if (drainTimeout < freeDelay) {
    throw new InvalidArgumentError('drainTimeout', `${drainTimeout} ms is shorter than freeDelay (${freeDelay} ms)`);
  }
  for (const fn of ['extension', 'onReload'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') {
      throw new InvalidArgumentError(fn, 'expected a function');
    }
  }
  if (options.whitelist !== undefined && (!Array.isArray(options.whitelist) || options.whitelist.some((n) => typeof n !== 'string'))) {
    throw new InvalidArgumentError('whitelist', 'expected an array of plugin names');
  }
  const keepGenerations = options.keepGenerations ?? 5;
  if (!Number.isSafeInteger(keepGenerations) || keepGenerations < 0) {
    throw new InvalidArgumentError('keepGenerations', `expected an integer >= 0, got ${String(keepGenerations)}`);
  }
  return {
    // Absolute: the loader builds each plugin's `require` from it, which takes only absolute paths.
    pluginDir: pluginDir === undefined ? undefined : resolve(pluginDir),
    staticPlugins,
    freeDelay,
    drainTimeout,
    hookTimeout: ms('hookTimeout'),
    extension: options.extension ?? (() => ({}) as Ext),
    onReload: options.onReload,
    whitelist: options.whitelist,
    logger: options.logger ?? defaultLogger,
    loader: options.loader,
    leakGracePeriod: ms('leakGracePeriod'),
    sourceMaps: options.sourceMaps ?? true,
    keepGenerations,
    trustedKeys: options.trustedKeys === undefined ? undefined : trustedKeySet(options.trustedKeys),
  };
}

/** Where in a load or reload a failure happened. */
export type ReloadStage =
  | 'discover'
  | 'load'
  | 'dependencies'
  | 'onLoad'
  | 'export'
  | 'handoff'
  | 'vault'
  | 'onVault'
  | 'onInit'
  | 'onReload';

/** What happened to one plugin in a successful load or reload. */
export type PluginStatus = 'ok' | 'unchanged' | 'not reloadable' | 'removed';

export interface PluginDetail {
  readonly name: string;
  readonly status: PluginStatus;
  /** The version serving after the swap (for `removed`: the version that was removed). */
  readonly version: string;
  /** The version it replaced, when a plugin was reloaded. */
  readonly previousVersion?: string;
  /** Why an unchanged plugin was loaded afresh (a plugin it imports was reloaded). */
  readonly reason?: string;
}

export interface ReloadSuccess {
  readonly ok: true;
  /**
   * False when the reload found nothing new, changed or removed: no generation was built, no hook
   * ran, and `generation` is the one that was already current.
   */
  readonly changed: boolean;
  /** Id of the generation now current. */
  readonly generation: number;
  readonly details: readonly PluginDetail[];
  /**
   * The details in one readable line: `alpha v1 -> v2, beta v1 (unchanged)`; prefixed with
   * `nothing changed: ` when `changed` is false.
   */
  readonly summary: string;
  readonly durationMs: number;
  /** For a rollback: the earlier generation whose artifacts the new one runs. */
  readonly rolledBackTo?: number;
}

export interface ReloadFailure {
  readonly ok: false;
  /**
   * The id of the generation this attempt was building (as the reload start and end diagnostics
   * messages name it). It never became current, and is not used again: the next attempt gets the
   * next id.
   */
  readonly generation: number;
  readonly error: HotswapError;
  readonly stage: ReloadStage;
  /** The plugin at fault, when one is. */
  readonly plugin: string | undefined;
  readonly durationMs: number;
}

/** What `load()` and `reload()` resolve to; they reject only for programmer errors. */
export type ReloadOutcome = ReloadSuccess | ReloadFailure;
