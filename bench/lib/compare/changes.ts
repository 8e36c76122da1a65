/**
 * The code changes the hotswap alternatives apply, prepared before the load starts: plugin
 * artifacts (one real `buildPlugins` run of version 0, later versions rewrite its version label,
 * as bench/lib/big-plugin.ts does) and hotfix patches (each built against the previous version).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactFileName } from '../../../src/artifact/format.js';
import { manifestFileName, type Manifest } from '../../../src/artifact/manifest.js';
import { buildPlugins } from '../../../src/build/index.js';
import { handlerSource, label, pluginSource } from './servers.js';

export const PLUGIN = 'ver';

/** Version 0 of the plugin, built for real: versions differ from it only in the label. */
export interface PluginTemplate {
  readonly manifest: Manifest;
  readonly text: string;
}

export async function buildPluginTemplate(): Promise<PluginTemplate> {
  const work = await mkdtemp(join(tmpdir(), 'hotswap-compare-build-'));
  try {
    const dir = join(work, PLUGIN);
    await mkdir(dir);
    await writeFile(join(dir, 'index.ts'), pluginSource(0));
    const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(work, 'out'), version: label(0) });
    if (result === undefined) throw new Error('the builder returned no result');
    const text = await readFile(result.artifactPath, 'utf8');
    if (text.split(`"${label(0)}"`).length !== 2) throw new Error(`the built plugin must hold "${label(0)}" once`);
    return { manifest: result.manifest, text };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Installs version `version` into `pluginDir` as `hotswap build` would (artifact first, then the
 * manifest renamed into place) and removes the artifact installed `keep` versions before.
 */
export class PluginInstaller {
  readonly #template: PluginTemplate;
  readonly #pluginDir: string;
  readonly #installed: string[] = [];
  readonly #keep: number;

  constructor(template: PluginTemplate, pluginDir: string, keep = 20) {
    this.#template = template;
    this.#pluginDir = pluginDir;
    this.#keep = keep;
  }

  async install(version: number): Promise<void> {
    const text = this.#template.text.replace(`"${label(0)}"`, `"${label(version)}"`);
    const sha256 = createHash('sha256').update(text).digest('hex');
    const manifest: Manifest = { ...this.#template.manifest, version: label(version), artifact: artifactFileName(PLUGIN, sha256), sha256 };
    await writeFile(join(this.#pluginDir, manifest.artifact), text);
    const manifestPath = join(this.#pluginDir, manifestFileName(PLUGIN));
    await writeFile(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2));
    await rename(`${manifestPath}.tmp`, manifestPath);
    this.#installed.push(manifest.artifact);
    // A reload still reading an older manifest needs its artifact: keep the last few.
    if (this.#installed.length > this.#keep) await unlink(join(this.#pluginDir, this.#installed.shift() as string)).catch(() => {});
  }
}

/** The files a server directory needs for version 0 of the plugin. */
export function pluginFiles(template: PluginTemplate): Record<string, string> {
  return {
    [`plugins/${manifestFileName(PLUGIN)}`]: JSON.stringify(template.manifest, null, 2),
    [`plugins/${template.manifest.artifact}`]: template.text,
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The hotfix patch taking the running handler at `file` from version `version - 1` to `version`. */
export function hotfixPatch(file: string, version: number): string {
  return JSON.stringify({
    version: `patch-${version}`,
    files: [{ file, baseHash: sha256(handlerSource(version - 1)), source: handlerSource(version) }],
  });
}
