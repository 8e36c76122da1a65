/**
 * Writes one plugin's artifact and manifest so that a host reading the output directory at any
 * moment sees the old manifest with the old artifact or the new manifest with the new artifact:
 * the content-addressed artifact goes in first (a new name, never overwritten), the manifest is
 * renamed over the old one last. Older artifacts are pruned, keeping a few for hosts still
 * reading one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactFileName } from '../artifact/format.js';
import { MANIFEST_FORMAT, manifestFileName, type Manifest } from '../artifact/manifest.js';
import { signDocument } from '../signing/signature.js';
import { HOTSWAP_VERSION } from '../version.js';
import { writeAtomically } from './atomic-write.js';
import type { CompiledPlugin } from './compile.js';
import type { BuildSettings } from './options.js';

/** Artifacts of one plugin kept in the output directory, the current one included. */
export const ARTIFACTS_KEPT = 3;

export interface WrittenPlugin {
  readonly manifest: Manifest;
  readonly manifestPath: string;
  readonly artifactPath: string;
}

export function createManifest(compiled: CompiledPlugin, settings: BuildSettings): Manifest {
  const { name } = compiled.source;
  return {
    format: MANIFEST_FORMAT,
    name,
    version: settings.version ?? compiled.sha256.slice(0, 12),
    artifact: artifactFileName(name, compiled.sha256),
    sha256: compiled.sha256,
    builtAt: new Date().toISOString(),
    hotswapVersion: HOTSWAP_VERSION,
    nodeVersion: process.version,
    bundleDeps: settings.bundleDeps,
    sourcemap: settings.sourcemap,
    externals: compiled.externals,
    live: compiled.live,
  };
}

export async function writePlugin(compiled: CompiledPlugin, settings: BuildSettings): Promise<WrittenPlugin> {
  const { outDir, logger } = settings;
  const { name } = compiled.source;
  await mkdir(outDir, { recursive: true });

  const unsigned = createManifest(compiled, settings);
  const manifest = settings.signingKey === undefined ? unsigned : signDocument(unsigned, settings.signingKey);
  const artifactPath = join(outDir, manifest.artifact);
  if (await hasContent(artifactPath, compiled.sha256)) {
    logger.debug(`${name}: ${manifest.artifact} already written by an earlier build, reusing it`);
  } else {
    await writeAtomically(outDir, name, artifactPath, compiled.text);
  }
  const manifestPath = join(outDir, manifestFileName(name));
  await writeAtomically(outDir, name, manifestPath, JSON.stringify(manifest, null, 2) + '\n');

  await pruneArtifacts(outDir, name, manifest.artifact, logger.debug.bind(logger));
  return { manifest, manifestPath, artifactPath };
}

/** An existing file under the content-addressed name is reused only if its bytes really match. */
async function hasContent(file: string, sha256: string): Promise<boolean> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex') === sha256;
  } catch {
    return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Deletes all but the newest ARTIFACTS_KEPT artifacts of `plugin`; `current` is always kept. */
export async function pruneArtifacts(
  outDir: string,
  plugin: string,
  current: string,
  log: (message: string) => void,
): Promise<string[]> {
  const pattern = new RegExp(`^${escapeRegExp(plugin)}\\.[0-9a-f]{12}\\.js$`);
  const others = (await readdir(outDir)).filter((file) => pattern.test(file) && file !== current);
  const dated = await Promise.all(
    others.map(async (file) => ({ file, mtime: (await stat(join(outDir, file)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.mtime - a.mtime);
  const removed: string[] = [];
  for (const { file } of dated.slice(ARTIFACTS_KEPT - 1)) {
    try {
      await unlink(join(outDir, file));
      removed.push(file);
    } catch (error) {
      // Another build of the same plugin may have pruned it first.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  if (removed.length > 0) log(`${plugin}: removed old artifacts ${removed.join(', ')}`);
  return removed;
}
