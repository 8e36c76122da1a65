/**
 * Redirection across threads, without the inspector: worker threads that run hotswap's loader are
 * patched through their agents, in one transaction with the engine's thread, and reverted with it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { threadAgent } from '../../../src/hotfix/redirect/agent.js';
import { sha256 } from '../../../src/hotfix/source.js';
import { installRedirectLoader } from '../../helpers/redirect-loader.js';
import { nextMessage, TEST_MS, terminate, WAIT_MS, withTimeout } from '../../helpers/timeout.js';
import { closeEngine, createEngine, deferred, ModuleDir, quiet, useWorkspace } from './fixtures.js';

await installRedirectLoader();

const REGISTER = new URL('../../../src/typescript/register.js', import.meta.url).href;
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const m = await import(workerData.url);
parentPort.on('message', (name) => parentPort.postMessage(m[name]()));
parentPort.postMessage('ready');
`;

/** A worker thread that loaded `path` through the loader; `call` runs one of its exports there. */
async function startWorker(dir: ModuleDir, path: string): Promise<{ call(name: string): Promise<unknown>; stop(): Promise<void> }> {
  const script = dir.write(dir.fresh('worker', 'esm'), WORKER_SOURCE);
  const worker = new Worker(new URL(pathToFileURL(script).href), { workerData: { url: pathToFileURL(path).href }, execArgv: ['--import', REGISTER] });
  assert.equal(await nextMessage(worker, `worker ${worker.threadId} to say it is ready`), 'ready');
  // The worker's agent announced the file on the channel: wait until this thread's agent has heard.
  const agent = threadAgent();
  assert.ok(agent, 'the loader runs in this thread');
  for (let turns = 0; !agent.threadsWith(path).includes(worker.threadId); turns++) {
    assert.ok(turns < 10_000, `the worker's announcement of ${path} never arrived`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    async call(name) {
      const answer = nextMessage(worker, `the answer of worker ${worker.threadId} to ${JSON.stringify(name)}`);
      worker.postMessage(name);
      return answer;
    },
    async stop() {
      await terminate(worker);
    },
  };
}

describe('hotfix redirection in worker threads', { timeout: TEST_MS }, () => {
  const ws = useWorkspace();

  it('patches a file in this thread and in a worker in one apply, and reverts both', async () => {
    const v1 = 'export function answer() { return 1; }\n';
    const { path, module } = (await ws.dir.load(ws.dir.fresh('both', 'esm'), v1));
    const worker = await startWorker(ws.dir, path);
    try {
      assert.equal(await worker.call('answer'), 1);
      const outcome = await ws.engine.apply({ version: 'both', files: [{ file: path, baseHash: sha256(v1), source: v1.replace('1', '2') }] });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.equal(outcome.threads, 2);
      assert.equal(module.answer(), 2);
      assert.equal(await worker.call('answer'), 2);
      const reverted = await ws.engine.revert('both');
      assert.ok(reverted.ok, reverted.ok ? '' : reverted.error.message);
      assert.equal(module.answer(), 1);
      assert.equal(await worker.call('answer'), 1);
    } finally {
      await worker.stop();
    }
  });

  it('patches a file only a worker loaded', async () => {
    const v1 = 'export function only() { return "old"; }\n';
    const path = ws.dir.write(ws.dir.fresh('only', 'esm'), v1);
    const worker = await startWorker(ws.dir, path);
    try {
      const outcome = await ws.engine.apply({ version: 'only', files: [{ file: path, baseHash: sha256(v1), source: v1.replace('old', 'new') }] });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.deepEqual(outcome.functions, [{ file: path, name: 'only', backend: 'redirect' }]);
      assert.equal(await worker.call('only'), 'new');
    } finally {
      await worker.stop();
    }
  });

  it('refuses the whole patch when a worker cannot take it, and this thread keeps its code', async () => {
    const v1 = 'export function f() { return 1; }\n';
    const { path, module } = (await ws.dir.load(ws.dir.fresh('split', 'esm'), v1));
    // The worker loads another text of the same file: the patch's base is not what it runs.
    writeFileSync(path, 'export function f() { return 100; }\n');
    const worker = await startWorker(ws.dir, path);
    try {
      assert.equal(await worker.call('f'), 100);
      const outcome = await ws.engine.apply({ version: 'split', files: [{ file: path, baseHash: sha256(v1), source: v1.replace('1', '2') }] });
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_WORKER_FAILED');
        assert.match(outcome.error.message, /HOTSWAP_ERR_HOTFIX_BASE_MISMATCH/);
      }
      assert.equal(module.f(), 1);
      assert.equal(await worker.call('f'), 100);
    } finally {
      await worker.stop();
    }
  });

  it('forgets a worker that exited: a later patch does not wait for it', async () => {
    const v1 = 'export function g() { return 1; }\n';
    const { path, module } = (await ws.dir.load(ws.dir.fresh('gone', 'esm'), v1));
    const worker = await startWorker(ws.dir, path);
    await worker.stop();
    const outcome = await ws.engine.apply({ version: 'gone', files: [{ file: path, baseHash: sha256(v1), source: v1.replace('1', '2') }] });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(outcome.threads, 1);
    assert.equal(module.g(), 2);
  });

  it('gives a worker that loads a patched file later the patches of it, and reverts reach it', async () => {
    const v1 = 'export function late() { return "v1"; }\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('late', 'esm'), v1);
    const caughtUp = deferred();
    const logger = { ...quiet, info: (line: string) => void (line.includes('as it loaded') && caughtUp.resolve()) };
    const late = createEngine({ logger });
    try {
      const v2 = v1.replace('v1', 'v2');
      const first = await late.apply({ version: 'late-2', files: [{ file: path, baseHash: sha256(v1), source: v2 }] });
      assert.ok(first.ok, first.ok ? '' : first.error.message);
      const second = await late.apply({ version: 'late-3', files: [{ file: path, baseHash: sha256(v2), source: v2.replace('v2', 'v3') }] });
      assert.ok(second.ok, second.ok ? '' : second.error.message);
      assert.equal(module.late(), 'v3');
      const worker = await startWorker(ws.dir, path);
      try {
        await withTimeout(caughtUp.promise, WAIT_MS, 'the engine to patch the worker as it loaded the file');
        assert.equal(await worker.call('late'), 'v3');
        assert.ok((await late.revert('late-3')).ok);
        assert.equal(await worker.call('late'), 'v2');
        assert.equal(module.late(), 'v2');
      } finally {
        await worker.stop();
      }
    } finally {
      await closeEngine(late);
    }
  });
});
