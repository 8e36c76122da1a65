/**
 * The threads a patch reaches, each driven through the protocol (plus a few functions evaluated
 * there: verification, repair, source maps): the engine's own thread through its in-process
 * session, and every worker thread through the
 * `NodeWorker` domain of that same session (`NodeWorker.enable` attaches a session per worker and
 * reports it with `attachedToWorker`; `sendMessageToWorker` carries a protocol command to it and
 * `receivedMessageFromWorker` carries back its answers and events). Measured on Node 20 to 26:
 * attachment is reported during `NodeWorker.enable` itself, the worker's `Debugger` answers like
 * the main thread's, and `NodeWorker.disable` detaches every worker.
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { ScriptRegistry, type ScriptParsedParams } from './registry.js';
import { ProtocolError, type InspectorSession } from './session.js';

/** One thread's V8, as the engine drives it. */
export interface DebugThread {
  /** For messages: `main thread`, `worker 3`. */
  readonly label: string;
  /** Stable across sessions: `main` (the engine's own thread) or the worker's `threadId`. */
  readonly key: string;
  readonly registry: ScriptRegistry;
  call<T = object>(method: string, params?: object): Promise<T>;
}

/** The engine's own thread: its commands are answered synchronously. */
export class OwnThread implements DebugThread {
  readonly label = isMainThread ? 'main thread' : `thread ${threadId}`;
  readonly key = 'main';
  readonly registry = new ScriptRegistry();
  readonly session: InspectorSession;

  constructor(session: InspectorSession) {
    this.session = session;
    session.on('Debugger.scriptParsed', ({ params }: { params: ScriptParsedParams }) => this.registry.add(params));
  }

  call<T = object>(method: string, params: object = {}): Promise<T> {
    return this.session.post<T>(method, params);
  }

  callSync<T = object>(method: string, params: object = {}): T {
    return this.session.postSync<T>(method, params);
  }
}

/** A worker gave no answer in time, or went away while asked. */
export class WorkerUnavailableError extends Error {
  constructor(
    readonly workerKey: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  readonly method: string;
  readonly resolve: (value: object) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface WorkerMessage {
  id?: number;
  method?: string;
  params?: unknown;
  result?: object;
  error?: { code?: number; message?: string };
}

/**
 * The `threadId` in a worker's inspector title: `[worker 3]` on Node 20 and 22,
 * `[worker 3] WorkerThread` (its name) on Node 24 and 26. The protocol's `workerId` is no use to
 * find a worker again: it counts attachments, and a worker gets a new one each time
 * `NodeWorker.enable` runs.
 */
export function threadIdOfTitle(title: string): string | undefined {
  return /^\[worker (\d+)\]/.exec(title)?.[1];
}

export class WorkerThread implements DebugThread {
  label: string;
  key: string;
  readonly registry = new ScriptRegistry();
  readonly url: string;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone = false;

  constructor(
    private readonly session: InspectorSession,
    readonly sessionId: string,
    title: string,
    url: string,
    private readonly timeoutMs: number,
  ) {
    const threadId = threadIdOfTitle(title);
    this.identified = threadId !== undefined;
    this.key = threadId ?? `session ${sessionId}`;
    this.label = `worker ${this.key}`;
    this.url = url;
  }

  private identified: boolean;

  /** Other events the worker sends (`Debugger.paused`), for whoever follows it. */
  onEvent: ((method: string, params: unknown) => void) | undefined;

  /** Asks the worker its threadId when its title did not say it. */
  async identify(): Promise<void> {
    if (this.identified) return;
    const { result } = await this.call<{ result: { value?: unknown } }>('Runtime.evaluate', {
      expression: "require('node:worker_threads').threadId",
      includeCommandLineAPI: true,
      returnByValue: true,
      silent: true,
    });
    if (typeof result.value === 'number') {
      this.identified = true;
      this.key = String(result.value);
      this.label = `worker ${this.key}`;
    }
  }

  get detached(): boolean {
    return this.gone;
  }

  call<T = object>(method: string, params: object = {}): Promise<T> {
    if (this.gone) return Promise.reject(new WorkerUnavailableError(this.key, `${this.label} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new WorkerUnavailableError(this.key, `${this.label} did not answer ${method} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (value: object) => void, reject, timer });
      this.session
        .post('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
        .catch((error: unknown) => this.settle(id, undefined, error instanceof Error ? error : new Error(String(error))));
    });
  }

  /** A message from the worker: an answer to a call, or an event. */
  receive(raw: string): void {
    let message: WorkerMessage;
    try {
      message = JSON.parse(raw) as WorkerMessage;
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const pending = this.pending.get(message.id);
      const error = message.error === undefined ? undefined : new ProtocolError(pending?.method ?? '?', message.error.message ?? 'error');
      this.settle(message.id, message.result ?? {}, error);
    } else if (message.method === 'Debugger.scriptParsed') {
      this.registry.add(message.params as ScriptParsedParams);
    } else if (message.method !== undefined) {
      this.onEvent?.(message.method, message.params);
    }
  }

  private settle(id: number, result: object | undefined, error: Error | undefined): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error !== undefined) pending.reject(error);
    else pending.resolve(result ?? {});
  }

  markDetached(): void {
    this.gone = true;
    for (const [id, pending] of [...this.pending]) {
      this.settle(id, undefined, new WorkerUnavailableError(this.key, `${this.label} exited while asked ${pending.method}`));
    }
    this.registry.clear();
  }
}

export interface AttachedParams {
  sessionId: string;
  workerInfo: { workerId: string; url: string; type: string; title: string };
  /** True for a worker that started while `waitForDebuggerOnStart` was on: it waits for `Runtime.runIfWaitingForDebugger`. */
  waitingForDebugger?: boolean;
}

/** Attaches to the worker threads for the duration of an operation. */
export class WorkerHub {
  private readonly workers = new Map<string, WorkerThread>();
  private listening = false;

  constructor(
    private readonly session: InspectorSession,
    private readonly timeoutMs: number,
  ) {}

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.session.on('NodeWorker.attachedToWorker', ({ params }: { params: AttachedParams }) => {
      const { sessionId, workerInfo } = params;
      this.workers.set(sessionId, new WorkerThread(this.session, sessionId, workerInfo.title, workerInfo.url, this.timeoutMs));
    });
    this.session.on('NodeWorker.detachedFromWorker', ({ params }: { params: { sessionId: string } }) => {
      this.workers.get(params.sessionId)?.markDetached();
      this.workers.delete(params.sessionId);
    });
    this.session.on('NodeWorker.receivedMessageFromWorker', ({ params }: { params: { sessionId: string; message: string } }) => {
      this.workers.get(params.sessionId)?.receive(params.message);
    });
  }

  /** Attaches to every running worker (Node reports them during `NodeWorker.enable`). */
  async attach(): Promise<WorkerThread[]> {
    this.listen();
    await this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    return [...this.workers.values()];
  }

  async detach(): Promise<void> {
    try {
      await this.session.post('NodeWorker.disable');
    } finally {
      for (const worker of this.workers.values()) worker.markDetached();
      this.workers.clear();
    }
  }
}
