/**
 * Finds the plugins to build and refuses, before anything is built, every input that cannot give a
 * correct output: a missing directory, a missing root module, two plugins whose names collide on a
 * case-insensitive file system, and an output directory inside a plugin (the next build would
 * bundle its own output).
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  DuplicatePluginError,
  InvalidArgumentError,
  OutputInsidePluginError,
  PluginDirMissingError,
  RootModuleMissingError,
} from '../errors.js';

/** Root module file names, in the order they are looked for. */
export const ROOT_MODULE_CANDIDATES = ['index.ts', 'index.mts', 'index.tsx', 'index.js', 'index.mjs'] as const;

export interface PluginSource {
  /** The directory's base name. */
  readonly name: string;
  /** Absolute path of the plugin directory, as given (symlinks kept, so the name is the link's). */
  readonly dir: string;
  /** Absolute path of the root module. */
  readonly rootModule: string;
}

/** Validates every plugin directory and the output directory; throws the first refusal. */
export async function resolvePluginSources(pluginDirs: readonly string[], outDir: string): Promise<PluginSource[]> {
  const sources: PluginSource[] = [];
  for (const given of pluginDirs) sources.push(await resolvePluginSource(given));

  const byLowerName = new Map<string, string>();
  for (const { name } of sources) {
    const first = byLowerName.get(name.toLowerCase());
    if (first !== undefined) throw new DuplicatePluginError(first, name);
    byLowerName.set(name.toLowerCase(), name);
  }

  const realOut = await realpathOfMaybeMissing(resolve(outDir));
  for (const source of sources) {
    if (isSameOrInside(await realpath(source.dir), realOut)) {
      throw new OutputInsidePluginError(source.name, resolve(outDir), source.dir);
    }
  }
  return sources;
}

async function resolvePluginSource(given: string): Promise<PluginSource> {
  const dir = resolve(given);
  try {
    if (!(await stat(dir)).isDirectory()) throw new PluginDirMissingError(dir);
  } catch (error) {
    if (error instanceof PluginDirMissingError) throw error;
    throw new PluginDirMissingError(dir, error);
  }
  const name = basename(dir);
  if (name === '') throw new InvalidArgumentError('plugin directory', `${dir} has no base name to use as plugin name`);
  for (const candidate of ROOT_MODULE_CANDIDATES) {
    const file = join(dir, candidate);
    if (await isFile(file)) return { name, dir, rootModule: file };
  }
  throw new RootModuleMissingError(name, dir, ROOT_MODULE_CANDIDATES);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The output directory may not exist yet: resolve symlinks of its nearest existing ancestor. */
async function realpathOfMaybeMissing(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}

// Windows and (by default) macOS file systems ignore case, so `Plugins/x` is inside `plugins`.
const caseInsensitiveFs = process.platform === 'win32' || process.platform === 'darwin';

function isSameOrInside(parent: string, child: string): boolean {
  const norm = (p: string): string => (caseInsensitiveFs ? p.toLowerCase() : p);
  const rel = relative(norm(parent), norm(child));
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
}
