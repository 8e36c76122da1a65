/** Which host a CLI target names: a pid, a host name, or (none given) the only host there is. */
import { HostAmbiguousError, HostNotFoundError, NotAHostError, ProcessNotFoundError } from '../errors.js';
import { listRecords, readRecord, type HostRecord } from './host-record.js';
import { isAlive } from './process-identity.js';

function describeHosts(records: readonly HostRecord[]): string {
  return records.map((r) => `${r.name} (pid ${r.pid})`).join(', ');
}

/**
 * The live record `target` names in `dir`.
 * @throws ProcessNotFoundError (no such pid), NotAHostError (a pid with no record: not a hotswap
 * host, or one that does not listen), HostNotFoundError (no host of that name, or none at all),
 * HostAmbiguousError (a name, or no target, matching several hosts)
 */
export function findHost(dir: string, target: string | number | undefined): HostRecord {
  if (typeof target === 'number' || (target !== undefined && /^[1-9][0-9]*$/.test(target))) {
    const pid = Number(target);
    const record = readRecord(dir, pid);
    if (record !== undefined) return record;
    if (!isAlive(pid)) throw new ProcessNotFoundError(pid);
    throw new NotAHostError(pid, dir);
  }
  const records = listRecords(dir);
  const matches = target === undefined ? records : records.filter((r) => r.name === target);
  if (matches.length === 1) return matches[0] as HostRecord;
  if (matches.length === 0) throw new HostNotFoundError(target, dir, describeHosts(records));
  throw new HostAmbiguousError(target, describeHosts(matches));
}
