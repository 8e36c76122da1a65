/** `buildPlugins`: a one-off build of a set of plugin directories into an output directory. */
import { relative } from 'node:path';
import { compilePlugin } from './compile.js';
import { emitPlugin } from './emit.js';
import type { BuildPluginsOptions, PluginBuildResult } from './options.js';
import { resolvePluginSources } from './plugin-source.js';
import { resolveSettings } from './settings.js';
import { allInOrder } from './settle.js';

/**
 * Builds every plugin and writes its artifact and manifest to `outDir`.
 *
 * All inputs are validated first and all plugins are compiled before anything is written, so a
 * failed build leaves the output directory as it was (a host never loads half a release).
 * @throws PluginDirMissingError, RootModuleMissingError, DuplicatePluginError, OutputInsidePluginError,
 *   BuildFailedError or DuplicateLiveNameError (the first failing plugin, in the order given),
 *   InvalidArgumentError
 * @example
 * const results = await buildPlugins({ pluginDirs: ['plugins/greeter'], outDir: 'build' });
 * console.log(results[0].manifest.version);
 */
export async function buildPlugins(options: BuildPluginsOptions): Promise<PluginBuildResult[]> {
  const settings = await resolveSettings(options);
  const sources = await resolvePluginSources(options.pluginDirs, settings.outDir);
  const { logger } = settings;
  for (const source of sources) {
    const shown = relative(process.cwd(), source.rootModule);
    logger.debug(`${source.name}: building ${shown.startsWith('..') ? source.rootModule : shown}`);
  }

  const compiled = await allInOrder(
    sources.map((source) => compilePlugin(source, settings)),
    logger.warn.bind(logger),
  );
  const results: PluginBuildResult[] = [];
  for (const plugin of compiled) results.push(await emitPlugin(plugin, settings));
  return results;
}
