/**
 * One apply's redirection part, across threads: the files of a patch that hotswap's loader
 * instrumented, here (this thread's modules) and in other threads (reached through their agents,
 * ./agent.ts). Two phases: every concerned thread plans and compiles first (`open`); then the other
 * threads fill their slots (`commitOthers`) and this thread fills its own (`commitHere`, synchronous,
 * so the engine can do it in the same stretch as LiveEdit). Any failure before the end undoes all.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HotfixWorkerError, describe } from '../../errors.js';
import { failure } from '../failure.js';
import { patchFilePaths } from '../registry.js';
import type { AppliedFunction, HotfixFailure, Patch, PatchFile } from '../types.js';
import { ThreadGoneError, threadAgent, type Agent } from './agent.js';
import { commitRedirect, prepareRedirect, redirectModuleFor, undoRedirect, type RedirectChange, type RedirectUndo } from './apply.js';

/** What an applied patch keeps of its redirection part, to revert it. */
export interface RedirectApplied {
  readonly id: string;
  /** The other threads that run it; grows when a thread started later catches up (`catchUp`). */
  readonly threads: number[];
  readonly undo: RedirectUndo | undefined;
  /** The patch, to give it to a thread that loads one of its files later. */
  readonly patch: Patch;
  readonly root: string;
}

export class RedirectTransaction {
  private undo: RedirectUndo | undefined;
  private committedOthers: number[] = [];
  /** The functions patched, in every thread (filled as threads answer `prepare`). */
  private readonly patched = new Map<string, AppliedFunction>();
  /** Longest synchronous step of this thread, in ms. */
  pauseMs = 0;

  private constructor(
    private readonly id: string,
    private readonly agent: Agent | undefined,
    private readonly timeoutMs: number,
    /** The patch's redirected files only: what a thread that loads one later is given. */
    private readonly patch: Patch,
    private readonly root: string,
    private readonly here: readonly RedirectChange[],
    private readonly others: readonly number[],
    /** The files no thread instrumented: LiveEdit's. */
    readonly liveEditFiles: readonly PatchFile[],
    /** Paths of the redirected files. */
    readonly paths: readonly string[],
  ) {
    for (const change of here) for (const fn of change.applied) this.patched.set(`${fn.file}\u0000${fn.name}`, fn);
  }

  /** The functions the patch changes by redirection, in every thread. */
  get functions(): AppliedFunction[] {
    return [...this.patched.values()];
  }

  /** Plans and compiles in every thread concerned; nothing is assigned anywhere yet. */
  static async open(patch: Patch, root: string, timeoutMs: number): Promise<RedirectTransaction | HotfixFailure> {
    const agent = threadAgent();
    const id = `${patch.version}\u0000${randomUUID()}`;
    const here: RedirectChange[] = [];
    const others = new Set<number>();
    const liveEditFiles: PatchFile[] = [];
    const redirectFiles: PatchFile[] = [];
    const paths: string[] = [];
    for (const file of patch.files) {
      const candidates = patchFilePaths(file.file, root);
      const threads = agent === undefined ? [] : [...new Set(candidates.flatMap((path) => agent.threadsWith(path)))];
      const module = redirectModuleFor(file.file, root);
      if (module === undefined && threads.length === 0) {
        liveEditFiles.push(file);
        continue;
      }
      redirectFiles.push(file);
      paths.push(module?.path ?? candidates[0] ?? file.file);
      for (const thread of threads) others.add(thread);
      if (module === undefined) continue;
      const change = await prepareRedirect(patch, file, module);
      if (!('module' in change)) return change;
      here.push(change);
    }
    const remote = { ...patch, files: redirectFiles };
    const transaction = new RedirectTransaction(id, agent, timeoutMs, remote, root, here, [...others], liveEditFiles, paths);
    if (others.size > 0 && agent !== undefined) {
      const answers = await Promise.all(
        [...others].map((thread) =>
          agent.prepare(thread, id, remote, root, timeoutMs).then(
            (answer) => ({ thread, answer }),
            (error: unknown) => ({ thread, answer: { ok: false as const, code: 'HOTSWAP_ERR_HOTFIX_WORKER_FAILED', message: describe(error), file: undefined, function: undefined } }),
          ),
        ),
      );
      const refused = answers.find((a) => !a.answer.ok);
      if (refused !== undefined && !refused.answer.ok) {
        await transaction.abort();
        const { answer } = refused;
        return failure(new HotfixWorkerError(String(refused.thread), `${answer.code}: ${answer.message}`), answer.file, answer.function);
      }
      for (const { answer } of answers) {
        if (answer.ok) for (const fn of answer.functions) transaction.patched.set(`${fn.file}\u0000${fn.name}`, { ...fn, backend: 'redirect' });
      }
    }
    return transaction;
  }

  /** Whether the patch has redirected files at all. */
  get isEmpty(): boolean {
    return this.here.length === 0 && this.others.length === 0;
  }

  /** The threads concerned, this one included when it has redirected files. */
  get threadCount(): number {
    return this.others.length + (this.here.length > 0 ? 1 : 0);
  }

  /** Fills the slots of the other threads; on failure, undoes them all. */
  async commitOthers(): Promise<HotfixFailure | undefined> {
    const agent = this.agent;
    if (agent === undefined) return undefined;
    const results = await Promise.allSettled(this.others.map((thread) => agent.step(thread, this.id, 'commit', this.timeoutMs).then(() => thread)));
    this.committedOthers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed === -1) return undefined;
    const reason: unknown = (results[failed] as PromiseRejectedResult).reason;
    await this.abort();
    return failure(new HotfixWorkerError(String(this.others[failed]), describe(reason), reason));
  }

  /** Fills this thread's slots, in one synchronous step; a second call does nothing. */
  commitHere(): void {
    if (this.undo !== undefined || this.here.length === 0) return;
    const started = performance.now();
    this.undo = commitRedirect(this.here);
    this.pauseMs = performance.now() - started;
  }

  /** Undoes whatever was committed, here and in the other threads (which also drop what they prepared). */
  async abort(): Promise<void> {
    if (this.undo !== undefined) undoRedirect(this.undo);
    this.undo = undefined;
    const agent = this.agent;
    if (agent === undefined) return;
    await Promise.allSettled(this.others.map((thread) => agent.step(thread, this.id, 'abort', this.timeoutMs)));
  }

  applied(): RedirectApplied {
    return { id: this.id, threads: [...this.committedOthers], undo: this.undo, patch: this.patch, root: this.root };
  }
}

/**
 * Reverts a patch's redirection part: the other threads first (one that exited has nothing to
 * revert), then this one, synchronously, after `beforeHere` (the engine's LiveEdit undo, if any).
 */
export async function revertOthers(applied: RedirectApplied, timeoutMs: number): Promise<HotfixFailure | undefined> {
  const agent = threadAgent();
  if (agent === undefined || applied.threads.length === 0) return undefined;
  const results = await Promise.allSettled(applied.threads.map((thread) => agent.step(thread, applied.id, 'revert', timeoutMs)));
  // A thread that exited runs nothing of the patch any more: nothing to revert there.
  const failed = results.findIndex((r) => r.status === 'rejected' && !(r.reason instanceof ThreadGoneError));
  if (failed === -1) return undefined;
  const reason: unknown = (results[failed] as PromiseRejectedResult).reason;
  return failure(new HotfixWorkerError(String(applied.threads[failed]), `the revert could not reach it: ${describe(reason)}`, reason));
}

/**
 * Gives a thread that just loaded `path` the patches of it applied before (oldest first), so a worker
 * started after a patch runs it too, shortly after its module starts: until then it runs the code
 * as loaded. A patch it cannot take is left out, and so are the later ones of the same file.
 * @returns a problem to report, or undefined
 */
export async function catchUp(thread: number, path: string, chain: readonly RedirectApplied[], timeoutMs: number): Promise<string | undefined> {
  const agent = threadAgent();
  if (agent === undefined) return undefined;
  for (const applied of chain) {
    if (applied.threads.includes(thread)) continue;
    const answer = await agent.prepare(thread, applied.id, applied.patch, applied.root, timeoutMs).catch((error: unknown) => ({ ok: false as const, message: describe(error) }));
    if (!answer.ok) return `thread ${thread} loaded ${path} but could not take patch ${applied.patch.version}: ${answer.message}`;
    await agent.step(thread, applied.id, 'commit', timeoutMs);
    applied.threads.push(thread);
  }
  return undefined;
}

export function revertHere(applied: RedirectApplied): void {
  if (applied.undo !== undefined) undoRedirect(applied.undo);
}
