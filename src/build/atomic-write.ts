/**
 * Replaces a file so that a reader sees the old content or the new content, never a mix or an
 * empty file: the builder's artifacts, manifests and generated static-linking module all go
 * through here.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Temp file in the same directory (rename is only atomic within one file system), synced, renamed.
 * @param label names the temp file (`.<label>.<random>.tmp`): the plugin, or what is written
 */
export async function writeAtomically(dir: string, label: string, target: string, text: string): Promise<void> {
  // A leading dot and .tmp suffix: never mistaken for an artifact or a manifest by a reader.
  const temp = join(dir, `.${label}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      // Without a sync, a crash can leave the renamed name pointing at empty data.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameRetrying(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/** Windows refuses to replace a file another process has open for a moment (a reading host). */
async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const transient = code === 'EPERM' || code === 'EACCES' || code === 'EBUSY';
      if (process.platform !== 'win32' || !transient || attempt >= 10) throw error;
      await delay(attempt * 20);
    }
  }
}
