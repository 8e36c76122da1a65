/**
 * Making a patch artifact: a version label plus, for each changed file, its path as the running
 * process knows it, the sha256 of the source it was built against, and the new source. What
 * `hotswap hotfix build` writes and `engine.apply()` reads.
 */
import { readFile } from 'node:fs/promises';
import { HotfixInvalidError } from '../../errors.js';
import { sha256 } from '../../typescript/transform.js';
import type { Patch, PatchFile, ScopeSelector } from '../types.js';

export interface PatchSourcePair {
  /** The file as the running process loaded it (absolute path, or a path relative to the app's root). */
  readonly file: string;
  /** Where to read the source that runs now (often the same path, from a copy of the release). */
  readonly runningPath: string;
  /** Where to read the new source. */
  readonly newPath: string;
}

export interface BuildPatchOptions {
  readonly version: string;
  readonly files: readonly PatchSourcePair[];
  readonly scope?: readonly ScopeSelector[] | undefined;
  /** Path of a file whose content is the init function's source. */
  readonly initPath?: string | undefined;
}

export async function buildPatch(options: BuildPatchOptions): Promise<Patch> {
  if (typeof options.version !== 'string' || options.version.trim() === '') throw new HotfixInvalidError('a version label is required');
  if (options.files.length === 0) throw new HotfixInvalidError('a patch needs at least one changed file');
  const files: PatchFile[] = [];
  for (const pair of options.files) {
    const [running, next] = await Promise.all([readFile(pair.runningPath, 'utf8'), readFile(pair.newPath, 'utf8')]);
    if (running === next) throw new HotfixInvalidError(`${pair.file}: the new source is the same as the running one`);
    files.push({ file: pair.file, baseHash: sha256(running), source: next });
  }
  const init = options.initPath === undefined ? undefined : (await readFile(options.initPath, 'utf8')).trim();
  return {
    version: options.version,
    files,
    ...(options.scope === undefined || options.scope.length === 0 ? {} : { scope: [...options.scope] }),
    ...(init === undefined ? {} : { init }),
  };
}
