/**
 * Redirection across threads, without the inspector: every thread that runs hotswap's loader has
 * an agent on one `BroadcastChannel`. Agents tell each other which instrumented files their thread
 * loaded (and when a thread is gone), so the engine's thread knows which threads a patch concerns;
 * the engine then runs a two-phase transaction through them: each concerned thread plans and
 * compiles (`prepare`), and only when all could, fills its slots (`commit`); `abort` and `revert`
 * put things back. Messages are plain data; patches are planned and compiled in each thread.
 */
import { threadId } from 'node:worker_threads';
import type { Patch } from '../types.js';
import type { RedirectChange, RedirectUndo } from './apply.js';
import { installedRuntime, type RedirectRuntime } from './runtime.js';

const CHANNEL = 'hotswap.redirect';

/** What a thread answers to `prepare`. */
export type PrepareAnswer =
  | { readonly ok: true; readonly functions: ReadonlyArray<{ file: string; name: string }> }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly file: string | undefined; readonly function: string | undefined };

type Message =
  | { readonly kind: 'loaded'; readonly thread: number; readonly path: string }
  | { readonly kind: 'gone'; readonly thread: number }
  | { readonly kind: 'prepare'; readonly id: string; readonly to: number; readonly patch: Patch; readonly root: string }
  | { readonly kind: 'prepared'; readonly id: string; readonly from: number; readonly answer: PrepareAnswer }
  | { readonly kind: 'commit' | 'abort' | 'revert'; readonly id: string; readonly to: number }
  | { readonly kind: 'done'; readonly id: string; readonly from: number; readonly step: 'commit' | 'abort' | 'revert' };

export interface Agent {
  /** Threads (other than this one) that loaded `path` instrumented and are still running. */
  threadsWith(path: string): number[];
  /** Sends a message and waits for the answer of thread `to`, up to `timeoutMs`. */
  prepare(to: number, id: string, patch: Patch, root: string, timeoutMs: number): Promise<PrepareAnswer>;
  step(to: number, id: string, step: 'commit' | 'abort' | 'revert', timeoutMs: number): Promise<void>;
  /** Calls `listener` when another thread loads an instrumented file; returns the unsubscribe. */
  onLoaded(listener: (thread: number, path: string) => void): () => void;
}

class ThreadGoneError extends Error {}

class ChannelAgent implements Agent {
  private readonly channel = new BroadcastChannel(CHANNEL);
  private readonly loaded = new Map<number, Set<string>>();
  private readonly waiting = new Map<string, (message: Message) => void>();
  /** This thread's side of transactions other threads run: prepared changes, then what to undo. */
  private readonly prepared = new Map<string, readonly RedirectChange[]>();
  private readonly committed = new Map<string, RedirectUndo>();
  private readonly listeners = new Set<(thread: number, path: string) => void>();

  constructor(runtime: RedirectRuntime) {
    runtime.onRegister = (path) => this.announce(path);
    for (const path of runtime.modules.keys()) this.announce(path);
    // The agent must never keep a thread alive.
    (this.channel as unknown as { unref?: () => void }).unref?.();
    this.channel.onmessage = (event) => this.receive((event as unknown as { data: Message }).data);
    process.on('worker', (worker) => {
      const id = worker.threadId;
      worker.once('exit', () => {
        this.post({ kind: 'gone', thread: id });
        this.forget(id);
      });
    });
  }

  announce(path: string): void {
    this.post({ kind: 'loaded', thread: threadId, path });
  }

  onLoaded(listener: (thread: number, path: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  threadsWith(path: string): number[] {
    return [...this.loaded].filter(([, paths]) => paths.has(path)).map(([thread]) => thread);
  }

  prepare(to: number, id: string, patch: Patch, root: string, timeoutMs: number): Promise<PrepareAnswer> {
    return this.ask(`${id}:prepare:${to}`, { kind: 'prepare', id, to, patch, root }, timeoutMs).then((message) =>
      message.kind === 'prepared' ? message.answer : { ok: false, code: 'HOTSWAP_ERR_HOTFIX_WORKER_FAILED', message: 'an unexpected answer', file: undefined, function: undefined },
    );
  }

  async step(to: number, id: string, step: 'commit' | 'abort' | 'revert', timeoutMs: number): Promise<void> {
    await this.ask(`${id}:${step}:${to}`, { kind: step, id, to }, timeoutMs);
  }

  private ask(key: string, message: Message, timeoutMs: number): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`thread ${(message as { to: number }).to} did not answer "${message.kind}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, (answer) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        if (answer.kind === 'gone') reject(new ThreadGoneError(`thread ${(message as { to: number }).to} exited`));
        else resolve(answer);
      });
      this.post(message);
    });
  }

  private post(message: Message): void {
    this.channel.postMessage(message);
  }

  private forget(thread: number): void {
    this.loaded.delete(thread);
    for (const [key, settle] of this.waiting) if (key.endsWith(`:${thread}`)) settle({ kind: 'gone', thread });
  }

  private receive(message: Message): void {
    switch (message.kind) {
      case 'loaded': {
        const paths = this.loaded.get(message.thread) ?? new Set<string>();
        paths.add(message.path);
        this.loaded.set(message.thread, paths);
        for (const listener of this.listeners) listener(message.thread, message.path);
        return;
      }
      case 'gone':
        this.forget(message.thread);
        return;
      case 'prepared':
        this.waiting.get(`${message.id}:prepare:${message.from}`)?.(message);
        return;
      case 'done':
        this.waiting.get(`${message.id}:${message.step}:${message.from}`)?.(message);
        return;
      default:
        if (message.to === threadId) void this.serve(message);
    }
  }

  /** This thread's part of a transaction another thread runs. */
  private async serve(message: Extract<Message, { to: number }>): Promise<void> {
    const apply = await import('./apply.js');
    if (message.kind === 'prepare') {
      const answer = await this.prepareHere(message.id, message.patch, message.root, apply);
      this.post({ kind: 'prepared', id: message.id, from: threadId, answer });
      return;
    }
    if (message.kind === 'commit') {
      const changes = this.prepared.get(message.id);
      this.prepared.delete(message.id);
      if (changes !== undefined) this.committed.set(message.id, apply.commitRedirect(changes));
    } else {
      // abort and revert alike: what was prepared is dropped, what was committed is undone.
      this.prepared.delete(message.id);
      const undo = this.committed.get(message.id);
      this.committed.delete(message.id);
      if (undo !== undefined) apply.undoRedirect(undo);
    }
    this.post({ kind: 'done', id: message.id, from: threadId, step: message.kind });
  }

  private async prepareHere(id: string, patch: Patch, root: string, apply: typeof import('./apply.js')): Promise<PrepareAnswer> {
    const changes: RedirectChange[] = [];
    for (const file of patch.files) {
      const module = apply.redirectModuleFor(file.file, root);
      if (module === undefined) continue;
      const change = await apply.prepareRedirect(patch, file, module);
      if (!('module' in change)) return { ok: false, code: change.error.code, message: change.error.message, file: change.file, function: change.function };
      changes.push(change);
    }
    this.prepared.set(id, changes);
    return { ok: true, functions: changes.flatMap((c) => c.applied.map((f) => ({ file: f.file, name: f.name }))) };
  }
}

/** This thread's agent, started by hotswap's loader (register.ts), if it runs here. */
export function threadAgent(): ChannelAgent | undefined {
  const runtime = installedRuntime();
  if (runtime === undefined) return undefined;
  const holder = runtime as unknown as { agent?: ChannelAgent };
  return (holder.agent ??= new ChannelAgent(runtime));
}

export { ThreadGoneError };
