/**
 * What the worker-thread tests share: a module directory with the worker script in it, workers and
 * engines made by a test and closed after it, and asking a worker (one message, its answer).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { HotfixEngine } from '../../../src/hotfix/index.js';
import { nextMessage, terminate } from '../../helpers/timeout.js';
import { closeEngine, createEngine, ModuleDir } from './fixtures.js';

export interface WorkerSuite {
  /** The module directory (valid from `before` on). */
  readonly dir: ModuleDir;
  /** Starts the worker script with `workerData` and waits for it to say `ready`. */
  startWorker(workerData: unknown): Promise<Worker>;
  /** An engine closed after the test. */
  engine(options?: Parameters<typeof createEngine>[0]): HotfixEngine;
  /** Closes an engine made otherwise after the test. */
  track(engine: HotfixEngine): HotfixEngine;
}

/** Registers the hooks of a describe() block whose tests run `workerSource` in workers. */
export function workerSuite(workerFileName: string, workerSource: string): WorkerSuite {
  let dir: ModuleDir | undefined;
  let workerFile = '';
  const workers: Worker[] = [];
  const engines: HotfixEngine[] = [];
  before(() => {
    dir = new ModuleDir();
    workerFile = dir.write(workerFileName, workerSource);
  });
  after(() => dir?.cleanup());
  afterEach(async () => {
    for (const engine of engines.splice(0)) await closeEngine(engine);
    for (const worker of workers.splice(0)) await terminate(worker);
  });
  return {
    get dir(): ModuleDir {
      if (dir === undefined) throw new Error('the suite has not started');
      return dir;
    },
    async startWorker(workerData: unknown): Promise<Worker> {
      const worker = new Worker(workerFile, { workerData });
      workers.push(worker);
      assert.equal(await nextMessage(worker, `worker ${worker.threadId} to say it is ready`), 'ready');
      return worker;
    },
    engine(options = {}): HotfixEngine {
      const created = createEngine(options);
      engines.push(created);
      return created;
    },
    track(engine: HotfixEngine): HotfixEngine {
      engines.push(engine);
      return engine;
    },
  };
}

/** Sends `message` to a worker and resolves with its next message. */
export async function ask(worker: Worker, message: string): Promise<unknown> {
  const answer = nextMessage(worker, `the answer of worker ${worker.threadId} to ${JSON.stringify(message)}`);
  worker.postMessage(message);
  return answer;
}
