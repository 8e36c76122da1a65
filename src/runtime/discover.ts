/**
 * Finding the plugins of a directory: every `<name>.manifest.json` in it, parsed and checked.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_SUFFIX, parseManifest, type Manifest } from '../artifact/manifest.js';
import {
  DuplicatePluginError,
  ManifestInvalidError,
  PluginDirMissingError,
  WhitelistedPluginMissingError,
} from '../errors.js';

/**
 * Reads every manifest in `dir`, sorted by plugin name. With a whitelist, only those plugins are
 * returned and each must be present.
 */
export async function discoverPlugins(dir: string, whitelist: readonly string[] | undefined): Promise<Manifest[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new PluginDirMissingError(dir, error);
  }
  const manifests: Manifest[] = [];
  const byLowerName = new Map<string, string>();
  for (const entry of entries.filter((e) => e.endsWith(MANIFEST_SUFFIX)).sort()) {
    const file = join(dir, entry);
    const manifest = parseManifest(await readFile(file, 'utf8'), file);
    if (manifest.name + MANIFEST_SUFFIX !== entry) {
      throw new ManifestInvalidError(file, `it names plugin "${manifest.name}" but its file is ${entry}`);
    }
    // Two plugins differing only in case collide on case-insensitive file systems (macOS, Windows).
    const lower = manifest.name.toLowerCase();
    const clash = byLowerName.get(lower);
    if (clash !== undefined) throw new DuplicatePluginError(clash, manifest.name);
    byLowerName.set(lower, manifest.name);
    if (whitelist === undefined || whitelist.includes(manifest.name)) manifests.push(manifest);
  }
  for (const name of whitelist ?? []) {
    if (!manifests.some((m) => m.name === name)) throw new WhitelistedPluginMissingError(name, dir);
  }
  return manifests;
}
