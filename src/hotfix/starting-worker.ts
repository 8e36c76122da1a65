/**
 * LiveEdit in a worker started after patches: the worker, stopped before the first line of a patched
 * file (worker-follower.ts), is given the file's patched source (the last applied patch's), as one
 * transaction like any apply, and recorded in every patch of the file so that reverts reach it.
 */
import type { AppliedRecord } from './applied-record.js';
import { makeChange, type StoredChange } from './change.js';
import type { ScriptLedger } from './ledger.js';
import type { Logger } from '../logger.js';
import { retargetWorkerMap } from './source-map/apply-maps.js';
import type { WorkerThread } from './threads.js';
import { commit, type CommitOptions } from './transaction.js';

export interface StartingWorkerContext {
  readonly applied: readonly AppliedRecord[];
  readonly ledger: ScriptLedger;
  readonly logger: Logger;
  readonly commitOptions: (versions: string) => CommitOptions;
}

export async function patchStartingWorker(context: StartingWorkerContext, worker: WorkerThread, scriptId: string, path: string): Promise<void> {
  const chain = context.applied.filter((record) => record.paths.includes(path));
  const first = chain[0];
  if (first === undefined || worker.detached) return;
  const fileIn = (record: AppliedRecord) => record.files[record.paths.indexOf(path)];
  const { scriptSource } = await worker.call<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
  const base = first.stored.find((stored) => stored.file === fileIn(first) && stored.from === scriptSource);
  if (base === undefined) {
    const last = chain[chain.length - 1] as AppliedRecord;
    if (last.stored.some((stored) => stored.file === fileIn(last) && stored.to === scriptSource)) return;
    throw new Error(`its source is not the one patch ${first.version} was built against`);
  }
  const steps = chain.map((record) => record.stored.find((stored) => stored.threadKey === base.threadKey && stored.file === fileIn(record)));
  const last = steps[steps.length - 1];
  if (last === undefined || steps.some((step) => step === undefined)) throw new Error('the patches of the file do not follow one another in one thread');
  const mine = (stored: StoredChange): StoredChange => ({ ...stored, threadKey: worker.key, threadLabel: worker.label, scriptId });
  const versions = chain.map((record) => record.version).join(', ');
  const change = mine({ ...base, to: last.to });
  const result = await commit([makeChange(worker, change, context.ledger.replaced(worker.key, scriptId))], context.commitOptions(versions));
  if (!result.ok) throw result.error;
  chain.forEach((record, i) => record.stored.push(mine(steps[i] as StoredChange)));
  for (const [i, record] of chain.entries()) {
    const map = record.mapInputs.find((m) => m.threadKey === base.threadKey && m.input.running === steps[i]?.from);
    if (map !== undefined) await retargetWorkerMap(worker, map.input, record.version, record.workerMaps, context.logger);
  }
  context.logger.info(`hotfix: ${base.file} patched in ${worker.label} as it started (${versions})`);
}
