/**
 * What tells one process from a later one that got the same pid: on Linux, the start time the
 * kernel keeps (field 22 of /proc/<pid>/stat, in clock ticks since boot). Elsewhere there is no
 * cheap, dependable equivalent: undefined, and a record is then trusted while its pid is alive.
 */
import { readFileSync } from 'node:fs';

/** The kernel's start time of `pid`, or undefined where it cannot be read (not Linux, no process). */
export function processStartTicks(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is at index 19.
  return fields[19];
}

/** Whether a process with this pid exists (one of another user's counts: EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
