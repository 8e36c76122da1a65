/**
 * Reading the paths a user gives (on the command line, or to buildPatch), so that a mistyped path
 * is a coded error naming the path, the option and what to do, never an internal error with a
 * stack trace.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { InputUnreadableError } from './errors.js';

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot be read (${code ?? String(error)})`;
}

/** @throws InputUnreadableError unless `path` is an existing directory */
export function requireDirectory(what: string, path: string, hint: string): void {
  requireEntry(what, path, hint, 'directory');
}

/** @throws InputUnreadableError unless `path` is an existing file */
export function requireFile(what: string, path: string, hint: string): void {
  requireEntry(what, path, hint, 'file');
}

function requireEntry(what: string, path: string, hint: string, kind: 'file' | 'directory'): void {
  let isKind: boolean;
  try {
    const stats = statSync(path);
    isKind = kind === 'file' ? stats.isFile() : stats.isDirectory();
  } catch (error) {
    throw new InputUnreadableError(what, path, `${reason(error)}: ${hint}`, error);
  }
  if (!isKind) throw new InputUnreadableError(what, path, `is not a ${kind}: ${hint}`);
}

/**
 * The text of the file at `path`.
 * @throws InputUnreadableError when it does not exist, is a directory or cannot be read
 */
export async function readInput(what: string, path: string, hint: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputUnreadableError(what, path, `${code === 'EISDIR' ? 'is a directory, not a file' : reason(error)}: ${hint}`, error);
  }
}
