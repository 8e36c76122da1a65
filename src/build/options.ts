/**
 * Options and results of the builder: the typed seam between `buildPlugins` / `watchPlugins` and
 * their callers (the CLI, tests, a host's own dev tooling).
 */
import type { KeyObject } from 'node:crypto';
import type { LiveNames, Manifest } from '../artifact/manifest.js';
import type { BuildMessage } from '../errors.js';

/** Where the builder reports progress. `info`: one line per plugin built; `debug`: details. */
export interface BuildLogger {
  info(message: string): void;
  debug(message: string): void;
  warn(message: string): void;
}

export interface BuildPluginsOptions {
  /** Plugin directories; each one's base name is the plugin name, its root module is `index.ts` (or .mts/.tsx/.js/.mjs). */
  readonly pluginDirs: readonly string[];
  /** Directory the artifacts and manifests are written to; created when missing. Must not be inside a plugin. */
  readonly outDir: string;
  /** Version label written into every manifest. @default the first 12 hex digits of the artifact's sha256 */
  readonly version?: string | undefined;
  /** Bundle npm dependencies into the artifact instead of `require`-ing them from the host. @default false */
  readonly bundleDeps?: boolean | undefined;
  /** Embed an inline source map (stack traces then name the original .ts lines). @default true */
  readonly sourcemap?: boolean | undefined;
  /**
   * Exported functions and classes whose name starts with this prefix, matched ignoring case, are
   * live functions and live types (in any module the plugin bundles). An identifier: letters,
   * digits, `_`, `$`, not starting with a digit.
   * @default 'live_'
   */
  readonly livePrefix?: string | undefined;
  /** @default a logger that drops everything */
  readonly logger?: BuildLogger | undefined;
  /** An ed25519 private key (`readSigningKey` of `hotswap keygen`'s .key file): each manifest is signed with it. */
  readonly signingKey?: KeyObject | undefined;
}

/** What one plugin's build wrote. */
export interface PluginBuildResult {
  /** The manifest as written to `manifestPath`. */
  readonly manifest: Manifest;
  readonly manifestPath: string;
  readonly artifactPath: string;
  /** Size of the artifact in bytes. */
  readonly bytes: number;
  /** Time from the start of the compile to the manifest being in place. */
  readonly durationMs: number;
  /** esbuild warnings (the build succeeded regardless). */
  readonly warnings: readonly BuildMessage[];
}

export interface WatchPluginsOptions extends BuildPluginsOptions {
  /** Called after every successful (re)build of one plugin, once its new manifest is in place. */
  onBuild(result: PluginBuildResult): void;
  /**
   * Called when a (re)build fails (a BuildFailedError for compile errors; an fs error if writing
   * failed); watching goes on and the previous artifact and manifest stay in place.
   */
  onError(error: Error): void;
}

export interface PluginWatcher {
  /**
   * Rebuilds the plugin of directory `pluginDir` now, without waiting for the watch to notice the
   * change (esbuild's watch polls, and may take a few hundred milliseconds): for a caller that has
   * its own file watcher. Reported through onBuild / onError like any rebuild; never rejects.
   * @returns when (`performance.now()`) the build it waited for started: a build already running
   * (one esbuild's watch started) is joined, not started again, so a save after that time may be
   * missing from it; undefined for a directory that is not watched
   */
  rebuild(pluginDir: string): Promise<number | undefined>;
  /** Stops watching; resolves once no build is running any more. */
  close(): Promise<void>;
}

export interface LinkPluginsStaticallyOptions {
  /** Plugin directories, as for buildPlugins; the generated list keeps this order. */
  readonly pluginDirs: readonly string[];
  /** Directory the generated module (`static-plugins.ts`) is written to; created when missing. Must not be inside a plugin. */
  readonly outDir: string;
  /** Version label of every linked plugin. @default 'static' */
  readonly version?: string | undefined;
  /** As for buildPlugins. @default 'live_' */
  readonly livePrefix?: string | undefined;
  /** @default a logger that drops everything */
  readonly logger?: BuildLogger | undefined;
}

/** What linkPluginsStatically wrote. */
export interface StaticLinkResult {
  /** Absolute path of the generated module. */
  readonly file: string;
  /** The linked plugins, in the order given, with the live names imported for each. */
  readonly plugins: readonly { readonly name: string; readonly live: LiveNames }[];
}

const ignore = (): void => {};
export const silentLogger: BuildLogger = { info: ignore, debug: ignore, warn: ignore };

/** Options with defaults applied; what the inner modules take. */
export interface BuildSettings {
  /** Absolute. */
  readonly outDir: string;
  readonly version: string | undefined;
  readonly bundleDeps: boolean;
  readonly sourcemap: boolean;
  readonly livePrefix: string;
  readonly logger: BuildLogger;
  readonly signingKey: KeyObject | undefined;
}
