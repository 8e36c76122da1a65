/** Writes a compiled plugin and reports it: the one path both buildPlugins and watchPlugins use. */
import type { CompiledPlugin } from './compile.js';
import { formatBytes } from './format-bytes.js';
import type { BuildSettings, PluginBuildResult } from './options.js';
import { writePlugin } from './output.js';

export async function emitPlugin(compiled: CompiledPlugin, settings: BuildSettings): Promise<PluginBuildResult> {
  const { logger } = settings;
  const { name } = compiled.source;
  for (const warning of compiled.warnings) {
    const where = warning.file === undefined ? '' : `${warning.file}:${warning.line ?? 0}:${warning.column ?? 0}: `;
    logger.warn(`${name}: ${where}${warning.text}`);
  }
  const written = await writePlugin(compiled, settings);
  const bytes = Buffer.byteLength(compiled.text, 'utf8');
  const durationMs = performance.now() - compiled.startedAt;
  const externals = compiled.externals.map((e) => `${e.name}@${e.version ?? '?'}`).join(', ');
  logger.debug(`${name}: externals ${externals === '' ? '(none)' : externals}`);
  logger.info(
    `${name}: wrote ${written.manifest.artifact} (${formatBytes(bytes)}) and ${written.manifestPath} in ${Math.round(durationMs)} ms`,
  );
  return { ...written, bytes, durationMs, warnings: compiled.warnings };
}
