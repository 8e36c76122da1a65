/**
 * Worker threads started after a patch. A new worker loads its modules from disk, so without help
 * it would run the unpatched code of a patched file. While patches are applied, the engine follows
 * new workers: a session of its own keeps `NodeWorker` enabled with `waitForDebuggerOnStart`, so a
 * worker starting waits until the engine has enabled its debugger and set a breakpoint on the first
 * line of each patched file. When the worker is about to run such a file (the breakpoint hits, before
 * any of the file's code ran), the engine patches it there, then lets it go on; once the worker has
 * loaded every patched file, or after `workerStartWindowMs`, its debugger is turned off again (it
 * slows await-heavy code while on) and the engine detaches. A file the worker loads after that runs
 * unpatched: a warning names it.
 *
 * Workers running before a patch are not followed: the patch reached them (every apply attaches to
 * every worker).
 */
import { pathToFileURL } from 'node:url';
import { describe } from '../errors.js';
import { announceDebugger } from './diagnostics.js';
import type { Logger } from '../logger.js';
import { InspectorSession } from './session.js';
import { WorkerThread, type AttachedParams } from './threads.js';

export interface FollowHooks {
  /** The files patched now (normalised paths, as the engine's records keep them). */
  targets(): readonly string[];
  /**
   * Patches the script `scriptId` of `worker`, stopped before its first line, to the file's
   * current patched source (serialised with the engine's operations). Rejects when it cannot.
   */
  patch(worker: WorkerThread, scriptId: string, path: string): Promise<void>;
  readonly logger: Logger;
  /** How long a new worker is followed at most, ms. */
  readonly windowMs: number;
  /** How long a worker may take to answer, ms. */
  readonly timeoutMs: number;
}

interface PausedParams {
  readonly callFrames?: ReadonlyArray<{ readonly location?: { readonly scriptId?: string } }>;
  readonly hitBreakpoints?: readonly string[];
}

/** A regular expression for the URLs V8 gives a file's script: its file: URL (with any query) or its path. */
export function scriptUrlPattern(path: string): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return `^(?:${escape(pathToFileURL(path).href)}(?:[?#].*)?|${escape(path)})$`;
}

class Followed {
  /** Breakpoint id → the patched file it is on. */
  readonly breakpoints = new Map<string, string>();
  timer: NodeJS.Timeout | undefined;
  released = false;
  constructor(readonly worker: WorkerThread) {}
}

export class WorkerFollower {
  private session: InspectorSession | undefined;
  private readonly followed = new Map<string, Followed>();

  constructor(private readonly hooks: FollowHooks) {}

  get active(): boolean {
    return this.session !== undefined;
  }

  /** Starts following new workers (idempotent). */
  async start(): Promise<void> {
    if (this.session !== undefined) return;
    const session = new InspectorSession();
    this.session = session;
    session.on('NodeWorker.attachedToWorker', ({ params }: { params: AttachedParams }) => void this.attached(session, params));
    session.on('NodeWorker.detachedFromWorker', ({ params }: { params: { sessionId: string } }) => {
      const followed = this.followed.get(params.sessionId);
      followed?.worker.markDetached();
      if (followed !== undefined) this.forget(params.sessionId, followed);
    });
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }: { params: { sessionId: string; message: string } }) => {
      this.followed.get(params.sessionId)?.worker.receive(params.message);
    });
    try {
      await session.post('NodeWorker.enable', { waitForDebuggerOnStart: true });
    } catch (error) {
      this.session = undefined;
      session.disconnect();
      this.hooks.logger.warn(`hotfix: workers started from now on will not be patched: ${describe(error)}`);
    }
  }

  /** Stops following: workers being followed are let go, their debugger off. */
  async stop(): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    this.session = undefined;
    await Promise.all([...this.followed.values()].map((followed) => this.release(session, followed, false)));
    try {
      await session.post('NodeWorker.disable');
    } catch {
      // The session goes anyway.
    }
    session.disconnect();
  }

  private async attached(session: InspectorSession, params: AttachedParams): Promise<void> {
    if (params.waitingForDebugger !== true) {
      // A worker that was running before: every apply reaches it on its own.
      await session.post('NodeWorker.detach', { sessionId: params.sessionId }).catch(() => undefined);
      return;
    }
    const worker = new WorkerThread(session, params.sessionId, params.workerInfo.title, params.workerInfo.url, this.hooks.timeoutMs);
    const followed = new Followed(worker);
    this.followed.set(params.sessionId, followed);
    worker.onEvent = (method, event) => {
      if (method === 'Debugger.paused') void this.paused(session, followed, event as PausedParams);
    };
    try {
      await worker.call('Debugger.enable');
      announceDebugger(worker.label, true);
      for (const path of this.hooks.targets()) {
        const { breakpointId } = await worker.call<{ breakpointId: string }>('Debugger.setBreakpointByUrl', {
          urlRegex: scriptUrlPattern(path),
          lineNumber: 0,
          columnNumber: 0,
        });
        followed.breakpoints.set(breakpointId, path);
      }
    } catch (error) {
      this.hooks.logger.warn(`hotfix: ${worker.label} started after a patch and could not be followed: ${describe(error)}`);
    } finally {
      // Never leave a worker waiting: whatever happened, it runs.
      await worker.call('Runtime.runIfWaitingForDebugger').catch(() => undefined);
    }
    if (followed.breakpoints.size === 0) await this.release(session, followed, false);
    else followed.timer = setTimeout(() => void this.release(session, followed, true), this.hooks.windowMs).unref();
  }

  private async paused(session: InspectorSession, followed: Followed, params: PausedParams): Promise<void> {
    const { worker } = followed;
    const hit = (params.hitBreakpoints ?? []).filter((id) => followed.breakpoints.has(id));
    const scriptId = params.callFrames?.[0]?.location?.scriptId;
    try {
      for (const id of hit) {
        const path = followed.breakpoints.get(id) as string;
        followed.breakpoints.delete(id);
        await worker.call('Debugger.removeBreakpoint', { breakpointId: id }).catch(() => undefined);
        if (scriptId === undefined) continue;
        try {
          await this.hooks.patch(worker, scriptId, path);
        } catch (error) {
          if (!worker.detached) this.hooks.logger.warn(`hotfix: ${worker.label} loads ${path} unpatched: ${describe(error)}`);
        }
      }
    } finally {
      // Also the pause Node makes at the start of a worker whose debugger is on.
      await worker.call('Debugger.resume').catch(() => undefined);
    }
    if (hit.length > 0 && followed.breakpoints.size === 0) await this.release(session, followed, false);
  }

  /** Turns the worker's debugger off and detaches; `expired`: the window passed with files not loaded. */
  private async release(session: InspectorSession, followed: Followed, expired: boolean): Promise<void> {
    if (followed.released) return;
    followed.released = true;
    clearTimeout(followed.timer);
    const { worker } = followed;
    if (expired && followed.breakpoints.size > 0 && !worker.detached) {
      const files = [...new Set(followed.breakpoints.values())].join(', ');
      this.hooks.logger.warn(`hotfix: ${worker.label} did not load ${files} within ${this.hooks.windowMs} ms of starting: if it loads it later, it runs it unpatched`);
    }
    const disabled = await worker.call('Debugger.disable').then(
      () => true,
      () => false,
    );
    if (disabled) announceDebugger(worker.label, false);
    await session.post('NodeWorker.detach', { sessionId: worker.sessionId }).catch(() => undefined);
    this.forget(worker.sessionId, followed);
  }

  private forget(sessionId: string, followed: Followed): void {
    clearTimeout(followed.timer);
    if (this.followed.get(sessionId) === followed) this.followed.delete(sessionId);
  }
}
