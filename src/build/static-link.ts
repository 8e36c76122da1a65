/**
 * `linkPluginsStatically`: instead of artifacts for a PluginManager to load and reload, one
 * TypeScript module that imports the plugins statically, for hosts (or targets) that ship a single
 * bundle. Only the live-name scan runs; the host's own build compiles the plugin code.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PluginInvalidError } from '../errors.js';
import { writeAtomically } from './atomic-write.js';
import { displayPath, liveNamesOf, refuseDuplicateLiveNames, scanPluginLive, type PlacedLiveName } from './live-scan.js';
import { buildFailed } from './messages.js';
import type { LinkPluginsStaticallyOptions, StaticLinkResult } from './options.js';
import { resolvePluginSources } from './plugin-source.js';
import { resolveSettings } from './settings.js';
import { allInOrder } from './settle.js';
import { DEFAULT_STATIC_VERSION, STATIC_MODULE_FILE, staticModuleSource } from './static-module.js';

/**
 * Writes `<outDir>/static-plugins.ts`, exporting `staticPlugins` for `new PluginManager({ staticPlugins })`.
 * @throws the refusals of buildPlugins (before anything is written), BuildFailedError when a module
 *   does not compile, PluginInvalidError when a root module has no default export,
 *   DuplicateLiveNameError within a plugin or between two plugins (they would share one vault)
 * @example
 * await linkPluginsStatically({ pluginDirs: ['plugins/alpha', 'plugins/beta'], outDir: 'src/generated' });
 * // src/main.ts: import staticPlugins from './generated/static-plugins.js';
 */
export async function linkPluginsStatically(options: LinkPluginsStaticallyOptions): Promise<StaticLinkResult> {
  const settings = await resolveSettings(options);
  const sources = await resolvePluginSources(options.pluginDirs, settings.outDir);
  const { logger, livePrefix } = settings;
  const debug = logger.debug.bind(logger);

  const scans = await allInOrder(
    sources.map((source) => scanPluginLive(source, livePrefix, debug).catch((error: unknown) => {
      throw buildFailed(source.name, error);
    })),
    logger.warn.bind(logger),
  );
  const plugins = sources.map((source, i) => ({ source, scan: scans[i] as (typeof scans)[number] }));
  for (const { source, scan } of plugins) {
    if (!scan.rootHasDefault) {
      throw new PluginInvalidError(
        source.name,
        `its root module ${source.rootModule} has no default export: add \`export default definePlugin({...})\``,
      );
    }
  }
  // Linked together, they always share one generation's vault: refuse now, not when the host starts.
  const placed: PlacedLiveName[] = plugins.flatMap(({ source, scan }) =>
    scan.bindings.map((b) => ({ name: b.name, where: `plugin ${source.name} (${displayPath(source.dir, b.file)})` })),
  );
  refuseDuplicateLiveNames(placed);

  const text = staticModuleSource(settings.outDir, plugins, settings.version ?? DEFAULT_STATIC_VERSION);
  await mkdir(settings.outDir, { recursive: true });
  const file = join(settings.outDir, STATIC_MODULE_FILE);
  await writeAtomically(settings.outDir, 'static-plugins', file, text);
  logger.info(`wrote ${file} linking ${sources.map((s) => s.name).join(', ')}`);
  return { file, plugins: plugins.map(({ source, scan }) => ({ name: source.name, live: liveNamesOf(livePrefix, scan) })) };
}
