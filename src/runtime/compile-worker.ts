/**
 * Compiling off the main thread. One worker thread per process compiles an artifact's code and
 * hands back V8's code cache for it; the main thread then only deserialises the cache
 * (`new vm.Script(code, { cachedData })`), a fraction of a compile, so a reload of a large plugin
 * does not stall the event loop for the whole compile (measured in docs/benchmarks.md; the fact
 * is the code-cache probe's). The worker starts on first use and keeps the process alive only
 * while it has work.
 */
import { Worker } from 'node:worker_threads';

/** Compiles `source` as `filename` and returns V8's code cache for it. */
export interface CodeCacheCompiler {
  /** Rejects when the code cannot be compiled there (the main thread then compiles it, and reports the error). */
  compile(source: string, filename: string): Promise<Buffer>;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const vm = require('node:vm');
parentPort.on('message', ({ id, source, filename }) => {
  try {
    // A copy of its own: the buffer V8 returns may share memory that must not be transferred.
    const data = new Uint8Array(new vm.Script(source, { filename }).createCachedData());
    parentPort.postMessage({ id, data }, [data.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

type Answer = { readonly id: number; readonly data: Uint8Array } | { readonly id: number; readonly error: string };

class WorkerCompiler implements CodeCacheCompiler {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, { resolve: (data: Buffer) => void; reject: (error: Error) => void }>();
  #nextId = 0;

  compile(source: string, filename: string): Promise<Buffer> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, source, filename });
    });
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (answer: Answer) => {
      const pending = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      if (this.#pending.size === 0) worker.unref();
      if (pending === undefined) return;
      if ('error' in answer) pending.reject(new Error(answer.error));
      else pending.resolve(Buffer.from(answer.data.buffer, answer.data.byteOffset, answer.data.byteLength));
    });
    const fail = (error: Error): void => {
      // A worker that died fails what it had; the next compile starts another.
      this.#worker = undefined;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the compile worker exited (${code})`)));
    this.#worker = worker;
    return worker;
  }
}

let shared: WorkerCompiler | undefined;

/** The process's compile worker, shared by every loader. */
export function sharedCompiler(): CodeCacheCompiler {
  shared ??= new WorkerCompiler();
  return shared;
}
