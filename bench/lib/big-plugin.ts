/**
 * The large plugin the reload benchmarks use: many small functions, all reachable (so the bundler
 * keeps them), like the 1.6 MB module of the reload-memory probe. Every version's source
 * differs in one fixed-width constant, so V8 cannot share a compilation between versions and the
 * inline source map stays valid when the constant is rewritten in a built artifact.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactFileName } from '../../src/artifact/format.js';
import { manifestFileName, parseManifest, type Manifest } from '../../src/artifact/manifest.js';
import { buildPlugins } from '../../src/build/index.js';

export const PLUGIN_NAME = 'big';
/** About 1.5 MB of TypeScript source. */
export const DEFAULT_FUNCTIONS = 15_000;

/** The version constant as it appears in a built artifact: `"ver-000042"`. */
export function versionTag(version: number): string {
  return `ver-${String(version).padStart(6, '0')}`;
}

export function bigPluginSource(version: number, functions = DEFAULT_FUNCTIONS): string {
  const lines = ["import { definePlugin } from 'hotswap/plugin';", `const VERSION = '${versionTag(version)}';`];
  for (let i = 0; i < functions; i++) {
    lines.push(`function f${i}(x: number): number { return x + ${i} + 'abcdefghijklmnopqrstuvwxyz'.length; }`);
  }
  lines.push(`const table: ((x: number) => number)[] = [${Array.from({ length: functions }, (_, i) => `f${i}`).join(', ')}];`);
  lines.push('export default definePlugin({');
  lines.push('  functions: {');
  lines.push('    run: (x: number): number => table[x % table.length]!(x),');
  lines.push('    version: (): string => VERSION,');
  lines.push('  },');
  lines.push('});');
  return lines.join('\n') + '\n';
}

export interface BuiltPlugin {
  readonly manifest: Manifest;
  readonly artifactPath: string;
  readonly sourceBytes: number;
  readonly artifactBytes: number;
}

/** Writes version `version` of the plugin under `srcRoot` and builds it for real into `outDir`. */
export async function buildBigPlugin(
  srcRoot: string,
  outDir: string,
  version: number,
  options: { functions?: number; sourcemap?: boolean } = {},
): Promise<BuiltPlugin> {
  const pluginDir = join(srcRoot, PLUGIN_NAME);
  await mkdir(pluginDir, { recursive: true });
  const source = bigPluginSource(version, options.functions);
  await writeFile(join(pluginDir, 'index.ts'), source);
  const [result] = await buildPlugins({
    pluginDirs: [pluginDir],
    outDir,
    version: `v${version}`,
    sourcemap: options.sourcemap ?? true,
  });
  if (result === undefined) throw new Error('the builder returned no result');
  return { manifest: result.manifest, artifactPath: result.artifactPath, sourceBytes: Buffer.byteLength(source), artifactBytes: result.bytes };
}

/** A built artifact used as a template: variants differ from it only in the version constant. */
export interface Template {
  readonly manifest: Manifest;
  readonly text: string;
}

export async function readTemplate(outDir: string): Promise<Template> {
  const manifestPath = join(outDir, manifestFileName(PLUGIN_NAME));
  const manifest = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath);
  const text = await readFile(join(outDir, manifest.artifact), 'utf8');
  if (text.split(`"${versionTag(0)}"`).length !== 2) throw new Error('the template must be version 0, with its tag once');
  return { manifest, text };
}

/**
 * Writes version `version` of the template into `pluginDir` as the builder would (artifact under
 * its content-addressed name first, then the manifest renamed into place); returns the artifact's
 * file name. Takes a few milliseconds instead of a ~170 ms esbuild run per version.
 */
export async function writeVariant(template: Template, pluginDir: string, version: number): Promise<string> {
  const text = template.text.replace(`"${versionTag(0)}"`, `"${versionTag(version)}"`);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const manifest: Manifest = { ...template.manifest, version: `v${version}`, artifact: artifactFileName(PLUGIN_NAME, sha256), sha256 };
  await writeFile(join(pluginDir, manifest.artifact), text);
  const manifestPath = join(pluginDir, manifestFileName(PLUGIN_NAME));
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2));
  await rename(`${manifestPath}.tmp`, manifestPath);
  return manifest.artifact;
}

/** The template as an ES module, for loading the same code through `import()`. */
export function esmVariant(template: Template, version: number): string {
  const text = template.text.replace(`"${versionTag(0)}"`, `"${versionTag(version)}"`);
  return `const module = { exports: {} };\nconst exports = module.exports;\n${text}\nexport default module.exports.default;\n`;
}
