/**
 * Where redirected applies are planned: on a thread of their own (parsing and planning a file takes
 * milliseconds that grow with its size; the main thread then only compiles the new functions and
 * fills the slots), or in the calling thread where a planning thread cannot start.
 */
import { Worker, isMainThread } from 'node:worker_threads';
import { describe } from '../../errors.js';
import type { PlanRequest, PlanResponse } from './plan.js';

interface Pending {
  readonly resolve: (response: PlanResponse) => void;
  readonly reject: (error: Error) => void;
}

class PlanningThread {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, Pending>();

  plan(request: PlanRequest): Promise<PlanResponse> {
    const worker = this.started();
    const id = ++this.next;
    return new Promise<PlanResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, request });
    });
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    // No --import of the app's process: the planning thread runs hotswap's own code only.
    const worker = new Worker(new URL('./plan-worker.js', import.meta.url), { execArgv: [] });
    worker.unref();
    worker.on('message', ({ id, response }: { id: number; response: PlanResponse }) => this.settle(id, (p) => p.resolve(response)));
    const fail = (error: Error): void => {
      this.worker = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(error));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the planning thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, how: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    how(pending);
    if (this.pending.size === 0) this.worker?.unref();
  }
}

let thread: PlanningThread | undefined;
let unavailable = false;

/**
 * Plans on the planning thread; in this thread if that one cannot run, or if this is a worker
 * thread (a stall there holds up that worker alone, and a planning thread for each would cost more).
 */
export async function planOffThread(request: PlanRequest): Promise<PlanResponse> {
  if (isMainThread && !unavailable) {
    try {
      thread ??= new PlanningThread();
      return await thread.plan(request);
    } catch (error) {
      unavailable = true;
      process.emitWarning(`hotswap: redirected patches are planned on the main thread: the planning thread failed (${describe(error)})`, { code: 'HOTSWAP_REDIRECT' });
    }
  }
  const { planRedirect } = await import('./plan.js');
  return planRedirect(request);
}

/**
 * Starts the planning thread and has it load what it plans with (the parser, the TypeScript
 * transform) by planning a small edit of a made-up module, so that the first real patch does not
 * wait for them (about 200 ms). `hotswap dev` asks for it when the app starts. Never fails.
 */
export async function warmPlanner(): Promise<void> {
  const loaded = 'export function warm(): number {\n  return 1;\n}\n';
  const source = loaded.replace('1', '2');
  const { sha256 } = await import('../source.js');
  await planOffThread({ file: 'warm.ts', path: '/hotswap-warm.ts', sourceType: 'module', loaded, state: undefined, version: 'warm', baseHash: sha256(loaded), source, scope: undefined }).catch(() => undefined);
}
