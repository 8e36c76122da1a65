/**
 * The generated module an artifact is bundled from: it re-exports the root module and adds
 * LIVE_EXPORT, the live functions and types the scan found in any module of the plugin, so the
 * runtime gets them by name without knowing where they were declared.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { LIVE_EXPORT } from '../artifact/format.js';
import { objectKey } from './identifiers.js';
import type { LiveBinding, PluginLiveScan } from './live-scan.js';
import type { PluginSource } from './plugin-source.js';

/** Where the generated entry appears in esbuild messages and source maps (it is never written). */
export function liveEntryPath(source: PluginSource): string {
  return `${source.name}/__hotswap_entry.ts`;
}

/** TypeScript source of the entry; imports are relative to the plugin directory. */
export function liveEntrySource(source: PluginSource, scan: PluginLiveScan): string {
  const root = JSON.stringify(specifierFrom(source.dir, source.rootModule));
  // `export *` keeps the root's named exports in the artifact as they were before live names existed.
  const lines = [`export * from ${root};`];
  // Only when there is one: re-exporting a missing default fails the build, while the runtime
  // gives the better message (the root module must `export default definePlugin({...})`).
  if (scan.rootHasDefault) lines.push(`export { default } from ${root};`);
  const members = { function: [] as string[], type: [] as string[] };
  scan.bindings.forEach((binding: LiveBinding, i) => {
    const local = `__hotswap_live${i}`;
    lines.push(`import { ${binding.name} as ${local} } from ${JSON.stringify(specifierFrom(source.dir, binding.file))};`);
    members[binding.kind].push(`${objectKey(binding.name)}: ${local}`);
  });
  const object = (entries: string[]): string => (entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`);
  lines.push(`export const ${LIVE_EXPORT} = { functions: ${object(members.function)}, types: ${object(members.type)} };`);
  return lines.join('\n') + '\n';
}

/** `./jobs/send.ts`: the file's own name, extension kept, so esbuild resolves exactly that file. */
function specifierFrom(dir: string, file: string): string {
  const rel = relative(dir, file);
  // Another drive (Windows) has no relative path; esbuild takes an absolute one.
  if (isAbsolute(rel)) return file.split(sep).join('/');
  const posix = rel.split(sep).join('/');
  return posix.startsWith('../') ? posix : `./${posix}`;
}
