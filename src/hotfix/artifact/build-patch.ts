/**
 * Making a patch artifact: a version label plus, for each changed file, its path as the running
 * process knows it, the sha256 of the source it was built against, and the new source. What
 * `hotswap hotfix build` writes and `engine.apply()` reads.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HotfixInvalidError } from '../../errors.js';
import { readInput } from '../../inputs.js';
import { sha256 } from '../source.js';
import { parsePayload, sourceMappingUrl } from '../../source-map/payload.js';
import type { Patch, PatchFile, ScopeSelector } from '../types.js';

export interface PatchSourcePair {
  /**
   * The file as the running process loaded it: a path relative to the app's root (what the engine's
   * `root` option resolves it against, so a patch applies wherever the app runs), or an absolute path.
   */
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
  /**
   * Carry the source map a new source names in a separate file (default true), so stack traces
   * through patched functions point at the new lines of the original source.
   */
  readonly sourceMaps?: boolean | undefined;
}

/**
 * The JSON of the map a new source names in a separate file (an inline map travels in the source).
 * @throws HotfixInvalidError when the named map cannot be read or is not a source map
 */
async function separateSourceMap(file: string, newPath: string, source: string): Promise<string | undefined> {
  const url = sourceMappingUrl(source);
  if (url === undefined || url.startsWith('data:')) return undefined;
  let path: string;
  try {
    path = url.startsWith('file:') ? fileURLToPath(url) : resolve(dirname(newPath), decodeURIComponent(url));
  } catch {
    throw new HotfixInvalidError(`${file}: its sourceMappingURL ${url} cannot be read as a file path`);
  }
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new HotfixInvalidError(`${file}: its source map ${path} cannot be read (${reason}); build it, or leave source maps out of the patch`);
  }
  try {
    parsePayload(json);
  } catch (error) {
    throw new HotfixInvalidError(`${file}: ${path} is not a usable source map: ${error instanceof Error ? error.message : String(error)}`);
  }
  return json;
}

export async function buildPatch(options: BuildPatchOptions): Promise<Patch> {
  if (typeof options.version !== 'string' || options.version.trim() === '') throw new HotfixInvalidError('a version label is required');
  if (options.files.length === 0) throw new HotfixInvalidError('a patch needs at least one changed file');
  const files: PatchFile[] = [];
  for (const pair of options.files) {
    // The changed file first: a mistyped name is reported as itself, not as a missing copy of it.
    const next = await readInput('the changed file', pair.newPath, 'give the path of a file of the new code');
    const running = await readInput('the running copy of', pair.runningPath, `the base directory must hold the code that runs now, in the same layout (for ${pair.file})`);
    if (running === next) throw new HotfixInvalidError(`${pair.file}: the new source is the same as the running one`);
    const sourceMap = options.sourceMaps === false ? undefined : await separateSourceMap(pair.file, pair.newPath, next);
    files.push({ file: pair.file, baseHash: sha256(running), source: next, ...(sourceMap === undefined ? {} : { sourceMap }) });
  }
  const init =
    options.initPath === undefined
      ? undefined
      : (await readInput('the init file', options.initPath, 'give a file holding one function, run once when the patch is applied')).trim();
  return {
    version: options.version,
    files,
    ...(options.scope === undefined || options.scope.length === 0 ? {} : { scope: [...options.scope] }),
    ...(init === undefined ? {} : { init }),
  };
}
