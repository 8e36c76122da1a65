/** `buildPlugins`: a one-off build of a set of plugin directories into an output directory. */
import { relative } from 'node:path';
import { compilePlugin, type CompiledPlugin } from './compile.js';
import { emitPlugin } from './emit.js';
import type { BuildPluginsOptions, PluginBuildResult } from './options.js';
import { resolvePluginSources } from './plugin-source.js';
import { resolveSettings } from './settings.js';

/**
 * Builds every plugin and writes its artifact and manifest to `outDir`.
 *
 * All inputs are validated first and all plugins are compiled before anything is written, so a
 * failed build leaves the output directory as it was (a host never loads half a release).
 * @throws PluginDirMissingError, RootModuleMissingError, DuplicatePluginError, OutputInsidePluginError,
 *   BuildFailedError (the first failing plugin, in the order given), InvalidArgumentError
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

  const settled = await Promise.allSettled(sources.map((source) => compilePlugin(source, settings)));
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  const [firstFailure, ...otherFailures] = failures;
  if (firstFailure !== undefined) {
    // One error is thrown; the others are logged so a user fixing them is not surprised later.
    for (const other of otherFailures) logger.warn(String((other.reason as Error).message));
    throw firstFailure.reason;
  }

  const compiled = settled.map((s) => (s as PromiseFulfilledResult<CompiledPlugin>).value);
  const results: PluginBuildResult[] = [];
  for (const plugin of compiled) results.push(await emitPlugin(plugin, settings));
  return results;
}
