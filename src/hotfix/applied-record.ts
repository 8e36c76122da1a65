/** What the engine keeps of an applied patch, to list it, revert it and extend it to new threads. */
import type { StoredChange } from './change.js';
import type { ThreadRetarget } from './prepare.js';
import type { RedirectApplied } from './redirect/transaction.js';
import type { AppliedFunction } from './types.js';

export interface AppliedRecord {
  readonly version: string;
  readonly appliedAt: string;
  readonly digest: string;
  readonly files: readonly string[];
  readonly paths: readonly string[];
  readonly functions: readonly AppliedFunction[];
  /** Grows when a worker started after the patch is patched as it loads the file (worker-follower.ts). */
  readonly stored: StoredChange[];
  /** Undo the source map retargeting of the patch in the engine's thread (see source-map/retarget.ts). */
  readonly restoreMaps: readonly (() => void)[];
  /** The retargetings of every thread, to repeat them in a worker started later. */
  readonly mapInputs: readonly ThreadRetarget[];
  /** Where a worker keeps the undo of a retargeting (source-map/in-worker.ts). */
  readonly workerMaps: Array<{ readonly threadKey: string; readonly token: string }>;
  /** What the redirection backend changed, in this thread and others, to undo it. */
  readonly redirect: RedirectApplied | undefined;
  /** Folded into later patches (see fold.ts): still applied, no longer revertible. */
  readonly folded?: true;
}
