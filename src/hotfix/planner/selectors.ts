/**
 * Scope selectors (see `ScopeSelector` in ../types.ts): which files they apply to, and which
 * qualified names they cover in one file.
 */
import { HotfixInvalidError } from '../../errors.js';
import type { ScopeSelector } from '../types.js';

export interface ParsedSelector {
  readonly text: string;
  /** The file part: '' for any file, `dir/` for a directory, otherwise the end of a file path. */
  readonly file: string;
  /** The qualified name after `#`, or undefined when the selector takes whole files. */
  readonly name: string | undefined;
}

/**
 * Splits a selector at its first `#` (a private name such as `Class.#m` keeps its own `#`).
 * @throws HotfixInvalidError for an empty selector, a file part alone that is empty, or a bad name
 */
export function parseSelector(selector: ScopeSelector): ParsedSelector {
  if (typeof selector !== 'string' || selector.trim() === '') throw new HotfixInvalidError('a scope selector is empty');
  const hash = selector.indexOf('#');
  const file = normalisePath(hash === -1 ? selector : selector.slice(0, hash));
  if (hash === -1) return { text: selector, file, name: undefined };
  const name = selector.slice(hash + 1);
  if (name === '' || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
    throw new HotfixInvalidError(`scope selector "${selector}" names no function after "#" (write file.js#name or file.js#Class.method)`);
  }
  return { text: selector, file, name };
}

/** Whether a selector applies to a file: its file part matches the end of the file's path. */
export function selectorMatchesFile(selector: ParsedSelector, file: string): boolean {
  if (selector.file === '') return true;
  const path = normalisePath(pathOf(file));
  if (selector.file.endsWith('/')) {
    // A directory: a whole path segment, anywhere from the root down.
    return path.startsWith(selector.file) || `/${path}`.includes(selector.file.startsWith('/') ? selector.file : `/${selector.file}`);
  }
  return path === selector.file || path.endsWith(selector.file.startsWith('/') ? selector.file : `/${selector.file}`);
}

/** What the selectors put in scope in one file. */
export interface Coverage {
  /** Every function and the top-level code: no scope, or a selector that names the file or its directory. */
  readonly wholeFile: boolean;
  /** Selectors with a name that apply to this file. */
  readonly named: readonly ParsedSelector[];
  /** Whether a function or class of this qualified name is in scope (a name covers what is nested in it). */
  covers(name: string): boolean;
}

/**
 * @throws HotfixInvalidError for a bad selector or an empty list (leave the scope out to take every change)
 */
export function coverageOf(file: string, scope: readonly ScopeSelector[] | undefined): Coverage {
  if (scope === undefined) return { wholeFile: true, named: [], covers: () => true };
  if (!Array.isArray(scope) || scope.length === 0) {
    throw new HotfixInvalidError('the scope is an empty list: leave it out to patch every function that differs');
  }
  const selectors = scope.map(parseSelector).filter((selector) => selectorMatchesFile(selector, file));
  const wholeFile = selectors.some((selector) => selector.name === undefined);
  const named = selectors.filter((selector) => selector.name !== undefined);
  return {
    wholeFile,
    named,
    covers: (name) => wholeFile || named.some((selector) => coversName(selector.name ?? '', name)),
  };
}

/** `Invoice` covers `Invoice`, `Invoice.total` and `Invoice.get net`, but not `InvoiceList`. */
export function coversName(selected: string, name: string): boolean {
  return name === selected || name.startsWith(`${selected}.`);
}

function pathOf(file: string): string {
  if (!file.startsWith('file:')) return file;
  try {
    return decodeURIComponent(new URL(file).pathname);
  } catch {
    return file;
  }
}

function normalisePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}
