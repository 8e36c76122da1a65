/**
 * Entries a process keeps in the runtime directory under its pid (`<pid>.kept`, `<pid>.fleet-…`)
 * outlive it when it is killed hard. The next process to make such an entry removes those of
 * processes that are gone.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './process-identity.js';

/** Removes the entries of `runtimeDir` that `pattern` matches, whose pid (its first group) is not a live process. */
export async function sweepDeadProcessEntries(runtimeDir: string, pattern: RegExp): Promise<void> {
  for (const entry of await readdir(runtimeDir)) {
    const match = pattern.exec(entry);
    const pid = Number(match?.[1]);
    if (match !== null && Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) {
      await rm(join(runtimeDir, entry), { recursive: true, force: true });
    }
  }
}
