/**
 * A broken build of the big plugin (bench/lib/big-plugin.ts) for the failed-canary runs of the
 * fleet benchmark: the template with its `version` function rewritten to throw. It loads like
 * any release (no hook fails, the manager takes it); only the calls fail, as with a bug that
 * slipped through: what a rollout's health gate is there to catch.
 */
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactFileName } from '../../../src/artifact/format.js';
import { manifestFileName, type Manifest } from '../../../src/artifact/manifest.js';
import { PLUGIN_NAME, versionTag, type Template } from '../big-plugin.js';

/** The `version` function as esbuild emits it in the template. */
const VERSION_FUNCTION = 'version: () => VERSION\n';

/** What the broken `version` function throws (with the version's tag). */
export const BROKEN_MESSAGE = 'broken release';

/** Writes version `version` of the template, with a `version` function that throws, into `pluginDir` (as writeVariant does). */
export async function writeBrokenVariant(template: Template, pluginDir: string, version: number): Promise<string> {
  if (template.text.split(VERSION_FUNCTION).length !== 2) throw new Error(`the template's version function is not \`${VERSION_FUNCTION.trim()}\` once`);
  const text = template.text
    .replace(`"${versionTag(0)}"`, `"${versionTag(version)}"`)
    .replace(VERSION_FUNCTION, `version: () => { throw new Error(${JSON.stringify(`${BROKEN_MESSAGE} `)} + VERSION); }\n`);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const manifest: Manifest = { ...template.manifest, version: `v${version}-broken`, artifact: artifactFileName(PLUGIN_NAME, sha256), sha256 };
  await writeFile(join(pluginDir, manifest.artifact), text);
  const manifestPath = join(pluginDir, manifestFileName(PLUGIN_NAME));
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2));
  await rename(`${manifestPath}.tmp`, manifestPath);
  return manifest.artifact;
}
