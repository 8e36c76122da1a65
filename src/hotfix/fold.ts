/**
 * Folding old patches (option `revertible`): a patch older than the newest `revertible` ones, all of
 * whose files later patches replaced whole, drops what only its revert needed (the code and module
 * state it replaced) and its sources. Under `hotswap dev`, a patch per save of a 1.5 MB module kept
 * about 9 MB a save alive that way. A folded patch stays applied and listed.
 *
 * "Replaced whole" is what makes dropping its sources safe: a thread that loads the file later is
 * brought up to date by replaying the kept patches of that file (redirect/transaction.ts catchUp),
 * and a later patch of a TypeScript file is planned against the file as loaded (its base), so
 * alone it gives the whole new file. Patches with a scope (which apply part of a file), JavaScript
 * files (whose base is the patched code), LiveEdit's part and other threads' parts are never folded.
 *
 * A limit: once the later patch is reverted, the folded one runs here but is not replayed to a
 * worker thread that loads the file after that (its sources are gone): that thread runs the file
 * as loaded. `hotswap dev` apps rarely load their modules in new threads after a revert.
 */
import type { AppliedRecord } from './applied-record.js';
import { isTypeScriptPath } from './redirect/state.js';

/** Whether a patch is, for every file, the whole new file applied in this thread by redirection. */
function isWholeFileHere(record: AppliedRecord): boolean {
  const redirect = record.redirect;
  return (
    redirect !== undefined &&
    redirect.patch.scope === undefined &&
    redirect.threads.length === 0 &&
    record.stored.length === 0 &&
    record.mapInputs.length === 0 &&
    record.workerMaps.length === 0 &&
    record.paths.length > 0 &&
    record.paths.every(isTypeScriptPath)
  );
}

/**
 * The applied patches (oldest first) with every one that can be folded folded.
 * @param revertible how many of the newest patches are kept whole in any case
 */
export function foldOld(applied: readonly AppliedRecord[], revertible: number): AppliedRecord[] {
  const result = [...applied];
  for (let index = 0; index < result.length - revertible; index++) {
    const record = result[index] as AppliedRecord;
    if (record.folded === true || !isWholeFileHere(record)) continue;
    const later = result.slice(index + 1).filter(isWholeFileHere);
    if (!record.paths.every((path) => later.some((r) => r.paths.includes(path)))) continue;
    result[index] = { ...record, redirect: undefined, folded: true };
  }
  return result;
}
