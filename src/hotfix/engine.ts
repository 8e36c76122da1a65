/**
 * The hotfix engine: applies patches to the running code, in place, and reverts them. Each file goes
 * through one of two backends: redirection (./redirect) for a file hotswap's loader instrumented in
 * this thread, which needs no debugger; V8 LiveEdit for the others, with the debugger on only while
 * an operation runs. One operation at a time.
 */
import { performance } from 'node:perf_hooks';
import {
  HotfixBaseMismatchError,
  HotfixInitError,
  HotfixInvalidError,
  HotfixLiveEditError,
  HotfixNotAppliedError,
  HotfixNotRevertibleError,
  HotfixRefusedError,
  HotfixWorkerError,
  InvalidArgumentError,
  describe,
  isHotswapError,
  type HotswapError,
} from '../errors.js';
import { inverse, makeChange, type Change } from './change.js';
import { applyChannel, retryChannel, revertChannel, type HotfixApplyMessage, type HotfixRetryMessage, type HotfixRevertMessage } from './diagnostics.js';
import { failure } from './failure.js';
import { runInit } from './init.js';
import { resolveOptions, type HotfixEngineOptions, type ResolvedOptions } from './options.js';
import { prepare, type PlanFile } from './prepare.js';
import { DebuggerScope } from './scope.js';
import { ScriptLedger } from './ledger.js';
import { InspectorSession } from './session.js';
import { restoreInWorker } from './source-map/in-worker.js';
import { sha256 } from './source.js';
import { OwnThread, WorkerHub, WorkerUnavailableError } from './threads.js';
import { WorkerFollower } from './worker-follower.js';
import { commit, type CommitSuccess } from './transaction.js';
import type { AppliedPatch, ApplyOutcome, HotfixFailure, Patch, RevertOutcome } from './types.js';
import { patchDigest, validatePatch } from './validate.js';
import type { AppliedRecord } from './applied-record.js';
import { foldOld } from './fold.js';
import { verifySignature } from '../signing/signature.js';
import { patchStartingWorker } from './starting-worker.js';
import { retargetSourceMaps, retargetWorkerMap } from './source-map/apply-maps.js';
import { RedirectTransaction, catchUp, revertHere, revertOthers } from './redirect/transaction.js';
import { threadAgent } from './redirect/agent.js';

export interface HotfixEngine {
  /**
   * Applies a patch to every thread that loaded one of its files, all or nothing. Never throws for
   * a bad or refused patch: the outcome says what happened (`ok: false` with a `HOTSWAP_ERR_HOTFIX_*`
   * error, the file and the function at fault).
   * @throws InvalidArgumentError after close()
   */
  apply(patch: Patch): Promise<ApplyOutcome>;
  /**
   * Restores what an applied patch replaced. Only the newest patch touching a file can be reverted:
   * one with a later patch of the same file is refused (revert the later one first).
   * @throws InvalidArgumentError after close()
   */
  revert(version: string): Promise<RevertOutcome>;
  /** The applied patches, oldest first. */
  list(): AppliedPatch[];
  /** Waits for the running operation and disconnects. Applied patches stay in effect; the engine forgets them. */
  close(): Promise<void>;
}

type Undo = { readonly ok: true; readonly result: CommitSuccess | undefined } | HotfixFailure;

/** An inspector command that failed where none should (a worker gone mid-way, a closed session): an outcome too. */
function unexpected(error: unknown): HotfixFailure {
  if (isHotswapError(error)) return failure(error);
  if (error instanceof WorkerUnavailableError) return failure(new HotfixWorkerError(error.workerKey, error.message, error));
  return failure(new HotfixLiveEditError('(inspector)', describe(error), error));
}

class Engine implements HotfixEngine {
  private readonly options: ResolvedOptions;
  private readonly session = new InspectorSession();
  private own: OwnThread | undefined;
  private hub: WorkerHub | undefined;
  private readonly applied: AppliedRecord[] = [];
  private readonly ledger = new ScriptLedger();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly follower: WorkerFollower | undefined;

  constructor(
    options: HotfixEngineOptions | undefined,
    private readonly planFile: PlanFile,
  ) {
    this.options = resolveOptions(options);
    this.follower = this.options.workers
      ? new WorkerFollower({
          targets: () => [...new Set(this.applied.flatMap((record) => record.paths))],
          patch: (worker, scriptId, path) =>
            this.enqueue(() =>
              patchStartingWorker({ applied: this.applied, ledger: this.ledger, logger: this.options.logger, commitOptions: (versions) => this.commitOptions(versions) }, worker, scriptId, path),
            ),
          logger: this.options.logger,
          windowMs: this.options.workerStartWindowMs,
          timeoutMs: Math.max(1000, this.options.safePointDeadlineMs),
        })
      : undefined;
    if (this.options.warmUp) void this.enqueue(() => this.warmUp());
    // A worker that loads a redirected file after the patch gets the patch then.
    this.stopCatchUp = threadAgent()?.onLoaded((thread, path) => {
      const chain = this.applied.flatMap((record) => (record.redirect !== undefined && record.paths.includes(path) ? [record.redirect] : []));
      if (chain.length === 0) return;
      void this.enqueue(async () => {
        const problem = await catchUp(thread, path, chain, this.workerTimeoutMs()).catch((error: unknown) => describe(error));
        if (problem !== undefined) this.options.logger.warn(`hotfix: ${problem}`);
        else this.options.logger.info(`hotfix: ${path} patched in thread ${thread} as it loaded (${chain.map((r) => r.patch.version).join(', ')})`);
      });
    });
  }

  private readonly stopCatchUp: (() => void) | undefined;

  apply(patch: Patch): Promise<ApplyOutcome> {
    this.assertOpen('apply');
    return this.enqueue(async () => {
      const outcome = await this.applyNow(patch).catch(unexpected);
      const version = typeof (patch as { version?: unknown } | null)?.version === 'string' ? patch.version : '?';
      this.report('apply', version, outcome);
      if (applyChannel.hasSubscribers) applyChannel.publish({ version, outcome } satisfies HotfixApplyMessage);
      return outcome;
    });
  }

  revert(version: string): Promise<RevertOutcome> {
    this.assertOpen('revert');
    if (typeof version !== 'string') throw new InvalidArgumentError('version', `expected a string, got ${typeof version}`);
    return this.enqueue(async () => {
      const outcome = await this.revertNow(version).catch(unexpected);
      this.report('revert', version, outcome);
      if (revertChannel.hasSubscribers) revertChannel.publish({ version, outcome } satisfies HotfixRevertMessage);
      return outcome;
    });
  }

  list(): AppliedPatch[] {
    return this.applied.map((r) => ({ version: r.version, appliedAt: r.appliedAt, files: [...r.files], functions: [...r.functions] }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCatchUp?.();
    await this.queue.catch(() => undefined);
    await this.follower?.stop();
    this.applied.length = 0;
    this.session.disconnect();
  }

  // ------------------------------------------------------------------------------------------

  /** The debugger on and off once, so V8's one-time cost of it is paid now (see options.ts). */
  private async warmUp(): Promise<void> {
    const result = await this.withDebugger(() => Promise.resolve({ ok: true as const })).catch(unexpected);
    if (!result.ok) this.options.logger.warn(`hotfix: the warm-up could not enable the debugger: ${result.error.message}`);
    else this.options.logger.debug('hotfix: warmed up (debugger enabled and disabled once)');
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new InvalidArgumentError('call', `${operation}() on a closed hotfix engine`);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private report(operation: string, version: string, outcome: ApplyOutcome | RevertOutcome): void {
    const { logger } = this.options;
    if (outcome.ok) {
      const already = 'alreadyApplied' in outcome && outcome.alreadyApplied ? ' (already applied)' : '';
      logger.info(
        `hotfix: ${operation} ${version}${already}: ${outcome.functions.length} function(s) in ${outcome.threads} thread(s), ` +
          `pause ${outcome.pauseMs.toFixed(1)} ms, verify ${outcome.verifyMs.toFixed(1)} ms, ${outcome.attempts} attempt(s)`,
      );
    } else {
      logger.warn(`hotfix: ${operation} ${version} failed: ${outcome.error.message}`);
    }
  }

  private async openScope(): Promise<DebuggerScope> {
    this.own ??= new OwnThread(this.session);
    if (this.options.workers) this.hub ??= new WorkerHub(this.session, Math.max(1000, this.options.safePointDeadlineMs));
    return DebuggerScope.open(this.own, this.options.workers ? this.hub : undefined, this.ledger, this.options.logger);
  }

  /** Runs `task` with the debugger on, and always turns it off after. */
  private async withDebugger<T>(task: (scope: DebuggerScope) => Promise<T>): Promise<T | HotfixFailure> {
    let scope: DebuggerScope;
    try {
      scope = await this.openScope();
    } catch (error) {
      if (isHotswapError(error)) return failure(error);
      throw error;
    }
    try {
      return await task(scope);
    } finally {
      await scope.close();
    }
  }

  private commitOptions(version: string, onOwnApplied?: () => void) {
    return {
      ...(onOwnApplied === undefined ? {} : { onOwnApplied }),
      deadlineMs: this.options.safePointDeadlineMs,
      logger: this.options.logger,
      ledger: this.ledger,
      onRetry: (file: string, attempt: number, delayMs: number) => {
        this.options.logger.debug(`hotfix: ${version}: ${file} is blocked by a suspended function, attempt ${attempt + 1} in ${delayMs.toFixed(0)} ms`);
        if (retryChannel.hasSubscribers) retryChannel.publish({ version, file, attempt, delayMs } satisfies HotfixRetryMessage);
      },
    };
  }

  private async applyNow(patch: Patch): Promise<ApplyOutcome> {
    const invalid = validatePatch(patch, this.options.root);
    if (invalid !== undefined) return failure(invalid);
    if (this.options.trustedKeys !== undefined) {
      try {
        verifySignature(patch, this.options.trustedKeys, { kind: 'patch', name: patch.version });
      } catch (error) {
        return failure(error as HotswapError, patch.files[0]?.file);
      }
    }
    const digest = patchDigest(patch);
    const existing = this.applied.find((r) => r.version === patch.version);
    if (existing !== undefined) {
      if (existing.digest !== digest) {
        return failure(new HotfixInvalidError(`version ${patch.version} is already applied with other content: give the new patch its own version`));
      }
      return { ok: true, version: patch.version, alreadyApplied: true, functions: existing.functions, pauseMs: 0, verifyMs: 0, attempts: 0, threads: 0 };
    }

    const redirect = await RedirectTransaction.open(patch, this.options.root, this.workerTimeoutMs());
    if (!(redirect instanceof RedirectTransaction)) return redirect;
    if (redirect.liveEditFiles.length === 0) return this.applyRedirected(patch, digest, redirect);

    const applied = await this.withDebugger(async (scope): Promise<{ ok: true; record: AppliedRecord; result: CommitSuccess } | HotfixFailure> => {
      const prepared = await prepare({ ...patch, files: redirect.liveEditFiles }, scope.threads, this.planFile, this.options.root, this.ledger);
      if (!prepared.ok) {
        await redirect.abort();
        return prepared;
      }
      const othersFailed = await redirect.commitOthers();
      if (othersFailed !== undefined) return othersFailed;
      const restoreMaps: Array<() => void> = [];
      const own = prepared.sourceMaps.filter((map) => map.threadKey === scope.ownKey).map((map) => map.input);
      // This thread's slots are filled in the same synchronous stretch as its LiveEdit (or, when it
      // had no LiveEdit file, right after the commit).
      const result = await commit(
        prepared.changes,
        this.commitOptions(patch.version, () => {
          restoreMaps.push(...retargetSourceMaps(own, this.options.logger));
          redirect.commitHere();
        }),
      );
      if (!result.ok) {
        await redirect.abort();
        return result;
      }
      redirect.commitHere();
      const workerMaps: AppliedRecord['workerMaps'] = [];
      for (const map of prepared.sourceMaps) {
        const thread = map.threadKey === scope.ownKey ? undefined : scope.threads.find((t) => t.key === map.threadKey);
        if (thread !== undefined) await retargetWorkerMap(thread, map.input, patch.version, workerMaps, this.options.logger);
      }
      const record: AppliedRecord = {
        version: patch.version,
        appliedAt: new Date().toISOString(),
        digest,
        files: patch.files.map((f) => f.file),
        paths: [...prepared.paths, ...redirect.paths],
        functions: [...prepared.functions, ...redirect.functions],
        stored: [...prepared.stored],
        restoreMaps,
        mapInputs: prepared.sourceMaps,
        workerMaps,
        redirect: redirect.isEmpty ? undefined : redirect.applied(),
      };
      return { ok: true, record, result: { ...result, pauseMs: Math.max(result.pauseMs, redirect.pauseMs) } };
    });
    if (!applied.ok) return applied;
    return this.finishApply(patch, applied.record, applied.result);
  }

  /** How long another thread may take to answer a step of a redirected apply. */
  private workerTimeoutMs(): number {
    return Math.max(1000, this.options.safePointDeadlineMs);
  }

  /** A patch whose every file is redirected: no debugger at all. */
  private async applyRedirected(patch: Patch, digest: string, redirect: RedirectTransaction): Promise<ApplyOutcome> {
    const othersFailed = await redirect.commitOthers();
    if (othersFailed !== undefined) return othersFailed;
    redirect.commitHere();
    const record: AppliedRecord = {
      version: patch.version,
      appliedAt: new Date().toISOString(),
      digest,
      files: patch.files.map((f) => f.file),
      paths: [...redirect.paths],
      functions: redirect.functions,
      stored: [],
      restoreMaps: [],
      mapInputs: [],
      workerMaps: [],
      redirect: redirect.applied(),
    };
    return this.finishApply(patch, record, { ok: true, pauseMs: redirect.pauseMs, verifyMs: 0, attempts: 1, threads: redirect.threadCount });
  }

  /** Runs the patch's init (undoing the patch if it throws) and records the patch as applied. */
  private async finishApply(patch: Patch, record: AppliedRecord, success: CommitSuccess): Promise<ApplyOutcome> {
    if (patch.init !== undefined) {
      try {
        await runInit(patch.init, patch.version, record.paths[0] ?? this.options.root);
      } catch (error) {
        const undo = await this.undoAll(record);
        if (!undo.ok) {
          this.applied.push(record);
          this.options.logger.error(`hotfix: init of ${patch.version} failed (${describe(error)}) and the patch could not be reverted: it stays applied`);
          return undo;
        }
        return failure(new HotfixInitError(patch.version, error));
      }
    }
    this.applied.push(record);
    this.applied.splice(0, this.applied.length, ...foldOld(this.applied, this.options.revertible));
    await this.follower?.start();
    return { ok: true, version: patch.version, alreadyApplied: false, functions: record.functions, ...timings(success) };
  }

  private async revertNow(version: string): Promise<RevertOutcome> {
    const index = this.applied.findIndex((r) => r.version === version);
    const record = this.applied[index];
    if (record === undefined) return failure(new HotfixNotAppliedError(version));
    for (const later of this.applied.slice(index + 1)) {
      const shared = record.paths.findIndex((path) => later.paths.includes(path));
      if (shared >= 0) {
        const file = record.files[shared] ?? record.paths[shared] ?? '?';
        return failure(new HotfixRefusedError(file, [`patch ${later.version}, applied after ${version}, also changes this file: revert ${later.version} first`]), file);
      }
    }
    if (record.folded === true) return failure(new HotfixNotRevertibleError(version, this.options.revertible), record.files[0]);
    const undo = await this.undoAll(record);
    if (!undo.ok) return undo;
    this.applied.splice(this.applied.indexOf(record), 1);
    if (this.applied.length === 0) await this.follower?.stop();
    const result = undo.result;
    const none = { pauseMs: 0, verifyMs: 0, attempts: 0, threads: 0 };
    return { ok: true, version, functions: record.functions, ...(result === undefined ? none : timings(result)) };
  }

  /**
   * Undoes a patch: other threads' redirected slots first, then, when LiveEdit had a part, its undo
   * with this thread's slots in the same stretch; without LiveEdit, no debugger at all.
   */
  private async undoAll(record: AppliedRecord): Promise<Undo> {
    const redirect = record.redirect;
    if (redirect !== undefined) {
      const failed = await revertOthers(redirect, this.workerTimeoutMs());
      if (failed !== undefined) return failed;
    }
    if (record.stored.length > 0) return this.withDebugger((scope) => this.undo(record, scope));
    const started = performance.now();
    if (redirect !== undefined) revertHere(redirect);
    return { ok: true, result: { ok: true, pauseMs: performance.now() - started, verifyMs: 0, attempts: 1, threads: 1 + (redirect?.threads.length ?? 0) } };
  }

  /** Sets back the sources a patch replaced, in every thread that still runs them. */
  private async undo(record: AppliedRecord, scope: DebuggerScope): Promise<Undo> {
    const changes: Change[] = [];
    for (const stored of record.stored) {
      const thread = scope.threads.find((t) => t.key === stored.threadKey);
      if (thread === undefined || !thread.registry.has(stored.scriptId)) {
        // The worker exited, or the script was collected: nothing runs that code any more.
        this.options.logger.debug(`hotfix: revert ${record.version}: ${stored.file} of ${stored.threadLabel} is gone`);
        continue;
      }
      const { scriptSource } = await thread.call<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: stored.scriptId });
      if (scriptSource !== stored.to) {
        return failure(new HotfixBaseMismatchError(`${stored.file} (${thread.label})`, sha256(stored.to), sha256(scriptSource)), stored.file);
      }
      changes.push(makeChange(thread, inverse(stored), this.ledger.replaced(thread.key, stored.scriptId)));
    }
    const restoreMaps = () => {
      for (const restore of [...record.restoreMaps].reverse()) restore();
    };
    if (changes.length === 0) {
      restoreMaps();
      if (record.redirect !== undefined) revertHere(record.redirect);
      return { ok: true, result: undefined };
    }
    const result = await commit(
      changes,
      this.commitOptions(record.version, () => {
        restoreMaps();
        if (record.redirect !== undefined) revertHere(record.redirect);
      }),
    );
    if (!result.ok) return result;
    // Undoing twice puts back the same values: done here too for when the own thread had no LiveEdit file.
    if (record.redirect !== undefined) revertHere(record.redirect);
    for (const { threadKey, token } of record.workerMaps) {
      const thread = scope.threads.find((t) => t.key === threadKey);
      if (thread === undefined) continue;
      await restoreInWorker(thread, token).catch((error: unknown) => {
        this.options.logger.warn(`hotfix: stack traces of ${thread.label} may keep the patched lines: ${describe(error)}`);
      });
    }
    return { ok: true, result };
  }
}

function timings(result: CommitSuccess) {
  return { pauseMs: result.pauseMs, verifyMs: result.verifyMs, attempts: result.attempts, threads: result.threads };
}

/** The engine with a given planner: the seam tests use to check what verification catches. */
export function createEngineWithPlanner(options: HotfixEngineOptions | undefined, planFile: PlanFile): HotfixEngine {
  return new Engine(options, planFile);
}
