/**
 * The per-user directory where every hotswap host of this machine leaves its record (and, later,
 * its control socket): `$HOTSWAP_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/hotswap`, else
 * `<os temp dir>/hotswap-<uid>`. Created 0700. Because a shared temp dir lets another user create
 * the directory first, an existing one is used only when this user owns it and nobody else may
 * write to it: records in it decide which processes may be signalled.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeDirUnsafeError } from '../errors.js';

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Where the runtime directory is, without creating it. */
export function runtimeDirPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['HOTSWAP_RUNTIME_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg !== undefined && xdg !== '') return join(xdg, 'hotswap');
  const uid = currentUid();
  return join(tmpdir(), uid === undefined ? 'hotswap' : `hotswap-${uid}`);
}

/**
 * The runtime directory, created when missing.
 * @throws RuntimeDirUnsafeError when it exists but belongs to another user, is not a directory,
 * or others may write to it
 */
export function ensureRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = runtimeDirPath(env);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new RuntimeDirUnsafeError(dir, `it cannot be created (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  checkRuntimeDir(dir);
  return dir;
}

/** @throws RuntimeDirUnsafeError, see ensureRuntimeDir */
export function checkRuntimeDir(dir: string): void {
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw new RuntimeDirUnsafeError(dir, 'it is not a directory');
  // Windows reports neither owners nor POSIX modes: there the directory sits in the user's own
  // temp dir, which other users cannot write to.
  if (process.platform === 'win32') return;
  const uid = currentUid();
  if (uid !== undefined && stats.uid !== uid) throw new RuntimeDirUnsafeError(dir, `it belongs to uid ${stats.uid}, not to this user (uid ${uid})`);
  if ((stats.mode & 0o077) !== 0) {
    // Ours but too open (a umask, a copy): tighten it rather than refuse.
    chmodSync(dir, 0o700);
  }
}
