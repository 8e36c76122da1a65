/**
 * One plugin from source to final artifact text, in memory: esbuild's output (bundled from the
 * generated entry that adds the live names, see live-entry-plugin.ts) with its source map shifted
 * for the `new Function` wrapper, hashed, and with its external packages listed. Nothing is written
 * here, so `buildPlugins` can refuse to write anything when any plugin fails.
 */
import { createHash } from 'node:crypto';
import { build, type BuildResult } from 'esbuild';
import { WRAPPER_LINES } from '../artifact/format.js';
import type { ExternalDependency, LiveNames } from '../artifact/manifest.js';
import type { BuildMessage } from '../errors.js';
import { esbuildOptions } from './esbuild-config.js';
import { collectExternals } from './externals.js';
import { liveEntry } from './live-entry-plugin.js';
import { buildFailed, toBuildMessage } from './messages.js';
import type { BuildSettings } from './options.js';
import type { PluginSource } from './plugin-source.js';
import { shiftInlineSourceMap } from './source-map.js';

export interface CompiledPlugin {
  readonly source: PluginSource;
  /** The final artifact text: exactly the bytes written and hashed. */
  readonly text: string;
  /** sha256 of `text` as UTF-8, hex. */
  readonly sha256: string;
  readonly externals: readonly ExternalDependency[];
  /** The live names the artifact's LIVE_EXPORT carries. */
  readonly live: LiveNames;
  readonly warnings: readonly BuildMessage[];
  /** performance.now() when the compile started. */
  readonly startedAt: number;
}

/**
 * Compiles one plugin; throws BuildFailedError naming file:line:col on a compile error, and
 * DuplicateLiveNameError when two of its live names are equal ignoring case.
 */
export async function compilePlugin(source: PluginSource, settings: BuildSettings): Promise<CompiledPlugin> {
  const startedAt = performance.now();
  const entry = liveEntry(source, settings);
  let result: BuildResult;
  try {
    result = await build(esbuildOptions(source, settings, entry));
  } catch (error) {
    throw buildFailed(source.name, error);
  }
  return finishCompile(source, settings, result, entry.liveNames(), startedAt);
}

/** The part shared with watch mode: from a successful esbuild result to the final artifact. */
export async function finishCompile(
  source: PluginSource,
  settings: BuildSettings,
  result: Pick<BuildResult, 'outputFiles' | 'metafile' | 'warnings'>,
  live: LiveNames | undefined,
  startedAt: number,
): Promise<CompiledPlugin> {
  const output = result.outputFiles?.find((file) => file.path.endsWith('.js'));
  if (output === undefined || result.metafile === undefined) {
    throw buildFailed(source.name, new Error('esbuild produced no JavaScript output'));
  }
  // A successful build loaded the generated entry, so its scan succeeded.
  if (live === undefined) throw buildFailed(source.name, new Error('hotswap: the live-name scan did not run'));
  const text = settings.sourcemap ? shiftInlineSourceMap(output.text, WRAPPER_LINES) : output.text;
  const externals = await collectExternals(result.metafile, source.dir);
  return {
    source,
    text,
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    externals,
    live,
    warnings: result.warnings.map(toBuildMessage),
    startedAt,
  };
}
