/**
 * The esbuild options of one plugin build, shared by `buildPlugins` and `watchPlugins` so a watched
 * rebuild produces the same bytes as a one-off build.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';
import { stableArtifactPath } from '../artifact/format.js';
import type { LiveEntry } from './live-entry-plugin.js';
import type { BuildSettings } from './options.js';
import type { PluginSource } from './plugin-source.js';

/** The specifier plugin authors import `definePlugin` from. */
export const PLUGIN_MODULE_SPECIFIER = 'hotswap/plugin';

/**
 * This package's own plugin module. Bundling it (rather than resolving `hotswap/plugin` from the
 * plugin's node_modules) keeps the artifact free of a run-time dependency on the host's copy, and
 * the plugin brand is a global symbol so every bundled copy agrees anyway.
 */
function ownPluginModule(): string {
  const compiled = fileURLToPath(new URL('../plugin/index.js', import.meta.url));
  // Running from the TypeScript sources (a TS loader) there is no .js next to us.
  const source = fileURLToPath(new URL('../plugin/index.ts', import.meta.url));
  return existsSync(compiled) || !existsSync(source) ? compiled : source;
}

/** An onResolve hook runs before esbuild's `packages: 'external'` check, so this import is always bundled. */
const bundleOwnPluginModule: Plugin = {
  name: 'hotswap-plugin-module',
  setup(build) {
    const path = ownPluginModule();
    build.onResolve({ filter: /^hotswap\/plugin$/ }, () => ({ path }));
  },
};

/**
 * @param entry the generated entry (live-entry-plugin.ts): the root module plus the live names
 */
export function esbuildOptions(
  source: PluginSource,
  settings: BuildSettings,
  entry: LiveEntry,
  extraPlugins: readonly Plugin[] = [],
) {
  return {
    entryPoints: [entry.specifier],
    bundle: true,
    platform: 'node', // Node builtins are external whatever `packages` says.
    format: 'cjs',
    target: 'node20',
    write: false,
    // Emitting "as" the stable path the runtime uses as sourceURL makes the map's relative
    // `sources` resolve to the original files.
    outfile: stableArtifactPath(settings.outDir, source.name),
    ...(settings.bundleDeps ? {} : { packages: 'external' }),
    metafile: true,
    logLevel: 'silent',
    sourcemap: settings.sourcemap ? 'inline' : false,
    // Stack traces only need positions; the sources would double the artifact's size.
    sourcesContent: false,
    plugins: [bundleOwnPluginModule, entry.plugin, ...extraPlugins],
  } satisfies BuildOptions;
}
