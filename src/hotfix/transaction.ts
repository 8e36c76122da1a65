/**
 * Applies a set of changes (every thread, every file of a patch) as one transaction.
 *
 * Order: the workers first, each with its edits sent together and then verified; then the engine's
 * own thread, where the edits, their verification and any undo run in one synchronous stretch
 * (the in-process session answers during `post()`), so no JavaScript of the app ever sees some of
 * its files patched and others not. Any failure undoes what was applied, in every thread.
 *
 * `BlockedByActiveGenerator` (a changed async function suspended at an `await`, or a generator not
 * finished) and `BlockedByActiveFunction` (a changed function on the stack) are the same shape on
 * Node 20 and 24: a result `{ status }`, not a protocol error. Both are retried at later turns of the
 * event loop until the safe-point deadline; the wait between attempts grows and is at least four
 * times the last pause, so retrying never takes more than a fifth of the thread's time.
 */
import { performance } from 'node:perf_hooks';
import {
  HotfixBlockedError,
  HotfixLiveEditError,
  HotfixVerifyError,
  HotfixWorkerError,
  describe,
  type HotswapError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { Change } from './change.js';
import type { ScriptLedger } from './ledger.js';
import type { HotfixFailure } from './types.js';
import { OwnThread, type DebugThread } from './threads.js';
import { repairSteps } from './closure-repair.js';
import { ensureLiveEdit } from './live-edit.js';
import { runAsync, runSync } from './steps.js';
import { verifySteps, type VerifyFailure } from './verify.js';

export interface CommitOptions {
  readonly deadlineMs: number;
  readonly logger: Logger;
  /** Where the scripts LiveEdit makes and the sources replaced are recorded (see ledger.ts). */
  readonly ledger: ScriptLedger;
  /**
   * Called once the engine's own thread runs the new sources and they passed verification, in the
   * same synchronous stretch (nothing of the app runs in between). Must not throw.
   */
  readonly onOwnApplied?: () => void;
  /** Called before waiting for a later turn of the event loop. */
  readonly onRetry?: (file: string, attempt: number, delayMs: number) => void;
}

export interface CommitSuccess {
  readonly ok: true;
  /** Longest `setScriptSource` on the engine's own thread, in ms. */
  readonly pauseMs: number;
  /** The verification's heap walk on the engine's own thread, in ms. */
  readonly verifyMs: number;
  readonly attempts: number;
  /** Threads changed. */
  readonly threads: number;
}

export type CommitFailure = HotfixFailure;

interface AttemptFailure extends CommitFailure {
  readonly blocked: boolean;
  /** The thread at fault, for messages. */
  readonly thread: string;
  readonly pauseMs: number;
}

type GroupResult = { readonly ok: true; readonly pauseMs: number; readonly verifyMs: number } | AttemptFailure;

interface SetScriptSourceResult {
  status?: string;
  exceptionDetails?: { text?: string; lineNumber?: number; columnNumber?: number };
}

type Verdict = 'ok' | 'blocked' | 'failed';

function verdict(result: SetScriptSourceResult): Verdict {
  if (result.status === undefined) return result.exceptionDetails === undefined ? 'ok' : 'failed';
  if (result.status === 'Ok') return 'ok';
  if (result.status === 'BlockedByActiveGenerator' || result.status === 'BlockedByActiveFunction') return 'blocked';
  return 'failed';
}

function statusText(result: SetScriptSourceResult): string {
  const details = result.exceptionDetails;
  const where = details === undefined ? '' : `: ${details.text ?? 'exception'} at ${(details.lineNumber ?? 0) + 1}:${(details.columnNumber ?? 0) + 1}`;
  return `${result.status ?? 'failed'}${where}`;
}

function inThread(thread: DebugThread, error: HotswapError, change: Change | undefined, fn: string | undefined, blocked = false): AttemptFailure {
  const wrapped = thread instanceof OwnThread || blocked ? error : new HotfixWorkerError(thread.key, error.message, error);
  return { ok: false, blocked, error: wrapped, file: change?.file, function: fn, pauseMs: 0, thread: thread.label };
}

function refused(thread: DebugThread, change: Change, result: SetScriptSourceResult, pauseMs: number): AttemptFailure {
  const kind = verdict(result);
  if (kind === 'blocked') {
    return { ...inThread(thread, new HotfixBlockedError(change.file, 0), change, change.suspendable.join(', ') || undefined, true), pauseMs };
  }
  return { ...inThread(thread, new HotfixLiveEditError(change.file, `${statusText(result)} (${thread.label})`), change, undefined), pauseMs };
}

function verifyFailed(thread: DebugThread, failure: VerifyFailure): AttemptFailure {
  return inThread(thread, new HotfixVerifyError(failure.change.file, failure.functionName, failure.detail), failure.change, failure.functionName);
}

const setSource = (change: Change, source: string) => ({ scriptId: change.scriptId, scriptSource: source });

// ---------------------------------------------------------------- marker scripts (see ledger.ts)

const MARK_URL = 'hotswap-hotfix-mark-';
let marks = 0;

function markParams(): { url: string; params: object } {
  const url = `${MARK_URL}${++marks}`;
  return { url, params: { expression: `0\n//# sourceURL=${url}`, silent: true } };
}

/** The id V8 gives a new script now (NaN if it cannot be told: the range is then not recorded). */
function markOwn(thread: OwnThread): number {
  const { url, params } = markParams();
  try {
    thread.callSync('Runtime.evaluate', params);
    return Number(thread.registry.idOf(url));
  } catch {
    return Number.NaN;
  }
}

async function markAsync(thread: DebugThread): Promise<number> {
  const { url, params } = markParams();
  try {
    await thread.call('Runtime.evaluate', params);
    return Number(thread.registry.idOf(url));
  } catch {
    return Number.NaN;
  }
}

/** Runs edits on a worker between two marks, recording the scripts made in between as LiveEdit's. */
async function bracketed<T>(thread: DebugThread, ledger: ScriptLedger, edits: () => Promise<T>): Promise<T> {
  const after = await markAsync(thread);
  try {
    return await edits();
  } finally {
    ledger.addRange(thread.key, after, await markAsync(thread));
  }
}

// ---------------------------------------------------------------- the engine's own thread

function undoOwn(thread: OwnThread, applied: readonly Change[], options: CommitOptions): void {
  const { logger, ledger } = options;
  for (const change of [...applied].reverse()) {
    try {
      const result = thread.callSync<SetScriptSourceResult>('Debugger.setScriptSource', setSource(change, change.from));
      if (verdict(result) === 'ok') ledger.addReplaced(thread.key, change.scriptId, change.to);
      else logger.error(`hotfix: could not undo the edit of ${change.file}: ${statusText(result)}`);
    } catch (error) {
      logger.error(`hotfix: could not undo the edit of ${change.file}: ${describe(error)}`);
    }
  }
  // An undo is a LiveEdit too (see closure-repair.ts), and no verification follows it.
  try {
    runSync(repairSteps(applied.map((change) => change.scriptId)), (method, params) => thread.callSync(method, params));
  } catch (error) {
    logger.error(`hotfix: the repair after undoing an edit failed: ${describe(error)}`);
  }
}

/** Edits, verifies and, on failure, undoes, with no JavaScript of the app running in between. */
function applyOwn(thread: OwnThread, changes: readonly Change[], options: CommitOptions): GroupResult {
  const after = markOwn(thread);
  try {
    return editOwn(thread, changes, options);
  } finally {
    options.ledger.addRange(thread.key, after, markOwn(thread));
  }
}

function editOwn(thread: OwnThread, changes: readonly Change[], options: CommitOptions): GroupResult {
  const applied: Change[] = [];
  let pauseMs = 0;
  for (const change of changes) {
    const started = performance.now();
    let result: SetScriptSourceResult;
    try {
      result = thread.callSync<SetScriptSourceResult>('Debugger.setScriptSource', setSource(change, change.to));
    } catch (error) {
      undoOwn(thread, applied, options);
      return inThread(thread, new HotfixLiveEditError(change.file, describe(error), error), change, undefined);
    } finally {
      pauseMs = Math.max(pauseMs, performance.now() - started);
    }
    if (verdict(result) !== 'ok') {
      undoOwn(thread, applied, options);
      return refused(thread, change, result, pauseMs);
    }
    options.ledger.addReplaced(thread.key, change.scriptId, change.from);
    applied.push(change);
  }
  const started = performance.now();
  let failure: VerifyFailure | undefined;
  try {
    failure = runSync(verifySteps(thread, changes), (method, params) => thread.callSync(method, params));
  } catch (error) {
    failure = { change: changes[0] as Change, functionName: '(verification)', detail: `the verification could not run: ${describe(error)}` };
  }
  const verifyMs = performance.now() - started;
  if (failure !== undefined) {
    undoOwn(thread, applied, options);
    return verifyFailed(thread, failure);
  }
  options.onOwnApplied?.();
  return { ok: true, pauseMs, verifyMs };
}

// ---------------------------------------------------------------- worker threads

/**
 * Sets `from` again on a worker, retrying while blocked, until the deadline. Edits whose outcome is
 * unknown (no answer) are undone too: setting the source a script already has changes nothing.
 */
function undoWorker(thread: DebugThread, changes: readonly Change[], options: CommitOptions): Promise<string | undefined> {
  return bracketed(thread, options.ledger, () => setBackWorker(thread, changes, options));
}

async function setBackWorker(thread: DebugThread, changes: readonly Change[], options: CommitOptions): Promise<string | undefined> {
  const deadline = performance.now() + options.deadlineMs;
  let left = [...changes];
  for (let attempt = 1; ; attempt++) {
    const results = await Promise.allSettled(left.map((change) => thread.call<SetScriptSourceResult>('Debugger.setScriptSource', setSource(change, change.from))));
    const blocked: Change[] = [];
    for (const [i, result] of results.entries()) {
      const change = left[i] as Change;
      if (result.status === 'rejected') return `${change.file}: ${describe(result.reason)}`;
      const kind = verdict(result.value);
      if (kind === 'failed') return `${change.file}: ${statusText(result.value)}`;
      if (kind === 'blocked') blocked.push(change);
      else options.ledger.addReplaced(thread.key, change.scriptId, change.to);
    }
    if (blocked.length === 0) {
      // The undo itself succeeded: a failed repair after it is told, not reported as a failed undo.
      const problem = await repairWorker(thread, changes);
      if (problem !== undefined) options.logger.error(`hotfix: ${thread.label}: ${problem}`);
      return undefined;
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) return `${blocked.map((c) => c.file).join(', ')}: still blocked by a suspended function`;
    left = blocked;
    await sleep(Math.min(remaining, backoff(attempt)));
  }
}

/** The repair of closure-repair.ts on a worker; a problem, or undefined. */
async function repairWorker(thread: DebugThread, changes: readonly Change[]): Promise<string | undefined> {
  try {
    await runAsync(repairSteps(changes.map((change) => change.scriptId)), (method, params) => thread.call(method, params));
    return undefined;
  } catch (error) {
    return `the repair after LiveEdit failed: ${describe(error)}`;
  }
}

async function applyWorker(thread: DebugThread, changes: readonly Change[], options: CommitOptions): Promise<GroupResult> {
  // A worker's JavaScript may run between two protocol messages, so unlike the own thread it cannot
  // be repaired before anything runs after the edit: its functions are compiled before the edit too,
  // which LiveEdit then handles correctly (see closure-repair.ts).
  const unprepared = await repairWorker(thread, changes);
  if (unprepared !== undefined) return inThread(thread, new HotfixLiveEditError(changes[0]?.file ?? '?', unprepared), changes[0], undefined);
  const { failure, pauseMs, maybeApplied } = await bracketed(thread, options.ledger, () => editWorker(thread, changes, options));
  if (failure === undefined) return { ok: true, pauseMs, verifyMs: 0 };
  const undone = await undoWorker(thread, maybeApplied, options);
  return undone === undefined ? failure : notUndone(thread, failure, undone, options.logger);
}

async function editWorker(
  thread: DebugThread,
  changes: readonly Change[],
  options: CommitOptions,
): Promise<{ failure: AttemptFailure | undefined; pauseMs: number; maybeApplied: readonly Change[] }> {
  const started = performance.now();
  // Sent together, before any answer, so the worker takes them in one go.
  const results = await Promise.allSettled(changes.map((change) => thread.call<SetScriptSourceResult>('Debugger.setScriptSource', setSource(change, change.to))));
  const pauseMs = performance.now() - started;
  const maybeApplied = changes.filter((_, i) => {
    const result = results[i];
    return result?.status === 'rejected' || verdict(result?.value ?? {}) === 'ok';
  });
  for (const change of maybeApplied) options.ledger.addReplaced(thread.key, change.scriptId, change.from);
  let failure: AttemptFailure | undefined;
  for (const [i, result] of results.entries()) {
    const change = changes[i] as Change;
    if (result.status === 'rejected') {
      failure = inThread(thread, new HotfixLiveEditError(change.file, describe(result.reason), result.reason), change, undefined);
      break;
    }
    if (verdict(result.value) !== 'ok') {
      failure = refused(thread, change, result.value, pauseMs);
      break;
    }
  }
  if (failure === undefined) {
    try {
      const problem = await runAsync(verifySteps(thread, changes), (method, params) => thread.call(method, params));
      if (problem !== undefined) failure = verifyFailed(thread, problem);
    } catch (error) {
      failure = inThread(thread, new HotfixVerifyError(changes[0]?.file ?? '?', '(verification)', `the verification could not run: ${describe(error)}`), changes[0], undefined);
    }
  }
  return { failure, pauseMs, maybeApplied };
}

function notUndone(thread: DebugThread, failure: CommitFailure, problem: string, logger: Logger): AttemptFailure {
  const message = `${failure.error.message}; then its edit could not be undone (${problem}): it may run the patched code`;
  logger.error(`hotfix: ${thread.label}: ${message}`);
  return { ok: false, blocked: false, error: new HotfixWorkerError(thread.key, message, failure.error), file: failure.file, function: failure.function, pauseMs: 0, thread: thread.label };
}

// ---------------------------------------------------------------- the transaction

function backoff(attempt: number): number {
  return Math.min(100, 2 ** (attempt - 1) - 1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}

async function attemptOnce(own: readonly Change[], workers: ReadonlyMap<DebugThread, Change[]>, options: CommitOptions): Promise<GroupResult> {
  const entries = [...workers];
  const results = await Promise.all(entries.map(([thread, changes]) => applyWorker(thread, changes, options)));
  const failedAt = results.findIndex((result) => !result.ok);
  const undoWorkers = async (failure: AttemptFailure): Promise<AttemptFailure> => {
    for (const [i, [thread, changes]] of entries.entries()) {
      if (i === failedAt || !results[i]?.ok) continue;
      const problem = await undoWorker(thread, changes, options);
      if (problem !== undefined) return notUndone(thread, failure, problem, options.logger);
    }
    return failure;
  };
  if (failedAt >= 0) return undoWorkers(results[failedAt] as AttemptFailure);
  let pauseMs = 0;
  let verifyMs = 0;
  const first = own[0];
  if (first !== undefined) {
    const result = applyOwn(first.thread as OwnThread, own, options);
    if (!result.ok) return undoWorkers(result);
    ({ pauseMs, verifyMs } = result);
  }
  return { ok: true, pauseMs, verifyMs };
}

/** Applies every change, or none; waits while blocked, up to the deadline. */
export async function commit(changes: readonly Change[], options: CommitOptions): Promise<CommitSuccess | CommitFailure> {
  const own = changes.filter((change) => change.thread instanceof OwnThread);
  const workers = new Map<DebugThread, Change[]>();
  for (const change of changes) {
    if (change.thread instanceof OwnThread) continue;
    const list = workers.get(change.thread);
    if (list === undefined) workers.set(change.thread, [change]);
    else list.push(change);
  }
  const threads = workers.size + (own.length > 0 ? 1 : 0);
  // Node 26 keeps LiveEdit behind a V8 flag: on before the first edit, or one refusal for the whole patch (live-edit.ts).
  const unavailable = changes[0] === undefined ? undefined : await ensureLiveEdit(changes[0].thread);
  if (unavailable !== undefined) return { ok: false, error: unavailable, file: undefined, function: undefined };
  const deadline = performance.now() + options.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(own, workers, options);
    if (result.ok) return { ok: true, pauseMs: result.pauseMs, verifyMs: result.verifyMs, attempts: attempt, threads };
    if (!result.blocked) return { ok: false, error: result.error, file: result.file, function: result.function };
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      options.logger.debug(`hotfix: ${result.file ?? '?'} stayed blocked in the ${result.thread} until the deadline`);
      return { ok: false, error: new HotfixBlockedError(result.file ?? '?', options.deadlineMs), file: result.file, function: result.function };
    }
    const delayMs = Math.min(remaining, Math.max(backoff(attempt), 4 * result.pauseMs));
    options.onRetry?.(result.file ?? '?', attempt, delayMs);
    await sleep(delayMs);
  }
}
