/** Checks a patch's shape before anything else; a malformed patch is an outcome, not a throw. */
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { HotfixInvalidError, describe } from '../errors.js';
import { parseSelector } from './planner/index.js';
import { patchFilePaths } from './registry.js';
import { newSourceMap } from './source-map/patch-map.js';
import type { Patch } from './types.js';

const HASH = /^[0-9a-f]{64}$/i;

/** The problem with `patch`, or undefined when it is well formed. */
export function validatePatch(patch: unknown, root: string): HotfixInvalidError | undefined {
  if (typeof patch !== 'object' || patch === null) return new HotfixInvalidError('a patch must be an object');
  const p = patch as Partial<Record<keyof Patch, unknown>>;
  if (typeof p.version !== 'string' || p.version.trim() === '') return new HotfixInvalidError('version must be a non-empty string');
  if (!Array.isArray(p.files) || p.files.length === 0) return new HotfixInvalidError(`patch ${p.version}: files must be a non-empty array`);
  const seen = new Set<string>();
  for (const [i, entry] of (p.files as unknown[]).entries()) {
    const f = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof f['file'] !== 'string' || f['file'] === '') return new HotfixInvalidError(`patch ${p.version}: files[${i}].file must be a path or a file: URL`);
    const file = f['file'];
    if (typeof f['baseHash'] !== 'string' || !HASH.test(f['baseHash'])) {
      return new HotfixInvalidError(`patch ${p.version}: ${file}: baseHash must be a sha256 in hex (64 characters)`);
    }
    if (typeof f['source'] !== 'string') return new HotfixInvalidError(`patch ${p.version}: ${file}: source must be a string`);
    if (f['sourceMap'] !== undefined && typeof f['sourceMap'] !== 'string') {
      return new HotfixInvalidError(`patch ${p.version}: ${file}: sourceMap must be the JSON of a source map, as a string`);
    }
    try {
      newSourceMap(f['source'], f['sourceMap']);
    } catch (error) {
      return new HotfixInvalidError(`patch ${p.version}: ${file}: its source map cannot be read: ${describe(error)}`);
    }
    let path: string;
    try {
      path = patchFilePaths(file, root)[0] as string;
    } catch (error) {
      return new HotfixInvalidError(`patch ${p.version}: ${file} is not a valid path or file: URL (${describe(error)})`);
    }
    if (seen.has(path)) return new HotfixInvalidError(`patch ${p.version}: ${file} is listed twice`);
    seen.add(path);
  }
  if (p.scope !== undefined) {
    if (!Array.isArray(p.scope) || p.scope.length === 0) {
      return new HotfixInvalidError(`patch ${p.version}: scope must be a non-empty array of selectors (leave it out to take every change)`);
    }
    for (const selector of p.scope as unknown[]) {
      try {
        parseSelector(selector as string);
      } catch (error) {
        return error instanceof HotfixInvalidError ? error : new HotfixInvalidError(`patch ${p.version}: ${describe(error)}`);
      }
    }
  }
  if (p.init !== undefined) {
    if (typeof p.init !== 'string' || p.init.trim() === '') return new HotfixInvalidError(`patch ${p.version}: init must be the source of a function`);
    try {
      new Script(initExpression(p.init), { filename: initFilename(p.version) });
    } catch (error) {
      return new HotfixInvalidError(`patch ${p.version}: init does not compile: ${describe(error)}`);
    }
  }
  return undefined;
}

/** The init source as an expression: `(source)`; a trailing line comment cannot swallow the paren. */
export function initExpression(source: string): string {
  return `(${source}\n)`;
}

export function initFilename(version: string): string {
  return `hotswap-hotfix-init-${version}.js`;
}

/** What identifies a patch's content: applying the same version with other content is refused. */
export function patchDigest(patch: Patch): string {
  const hash = createHash('sha256');
  for (const part of [patch.version, ...patch.files.flatMap((f) => [f.file, f.baseHash.toLowerCase(), f.source, f.sourceMap ?? '']), ...(patch.scope ?? []), '\0init', patch.init ?? '']) {
    hash.update(`${part.length}:${part}`);
  }
  return hash.digest('hex');
}
