/**
 * Workers started after a patch (src/hotfix/worker-follower.ts): the engine stops each before the
 * first line of a patched file and patches it there, so it never runs the old code; reverts reach
 * it; a file it loads after the follow window runs unpatched, with a warning.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import type { HotfixDebuggerMessage } from '../../../src/hotfix/index.js';
import { TEST_MS, WAIT_MS, withTimeout } from '../../helpers/timeout.js';
import { patchOf, recordingLogger, type ModuleDir, type ModuleKind } from './fixtures.js';
import { ask, workerSuite } from './worker-suite.js';

// `eager`: the worker loads the library as it starts; otherwise when first asked.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const load = () => workerData.lib.endsWith('.mjs') ? import(pathToFileURL(workerData.lib).href) : Promise.resolve(require(workerData.lib));
(async () => {
  let lib = workerData.eager ? await load() : undefined;
  parentPort.on('message', async () => {
    lib ??= await load();
    parentPort.postMessage(lib.greet('w') + ' ' + lib.made.map((f) => f()).join(','));
  });
  parentPort.postMessage('ready');
})();
`;

function library(kind: ModuleKind): string {
  const body = "function make(k) { return () => k; }\nconst made = [make(1), make(2)];\nfunction greet(name) {\n  return 'hello ' + name;\n}\n";
  return kind === 'cjs' ? `${body}module.exports = { greet, made };\n` : `${body}export { greet, made };\n`;
}

const patched = (source: string) => source.replace("'hello '", "'hi '");

describe('workers started after a patch', { timeout: TEST_MS }, () => {
  const suite = workerSuite('follower-worker.cjs', WORKER);
  const startWorker = (lib: string, eager: boolean) => suite.startWorker({ lib, eager });
  const askCall = (worker: Worker) => ask(worker, 'call');
  let dir: ModuleDir;
  before(() => {
    dir = suite.dir;
  });

  for (const kind of ['cjs', 'esm'] as const) {
    it(`patches a ${kind} file in a worker started after the patch, before its first line runs; a revert reaches it`, async (t) => {
      const source = library(kind);
      const lib = await dir.load(dir.fresh('follow', kind), source);
      const engine = suite.engine();
      const outcome = await engine.apply(patchOf('v1', [{ file: lib.path, running: source, next: patched(source) }]));
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.equal(lib.module.greet('m'), 'hi m');

      // The worker's debugger, on while it is followed, is turned off once it has loaded the file.
      const seen: HotfixDebuggerMessage[] = [];
      let turnedOff!: () => void;
      const off = new Promise<void>((resolve) => (turnedOff = resolve));
      const listener = (message: unknown) => {
        const event = message as HotfixDebuggerMessage;
        if (!event.thread.startsWith('worker')) return;
        seen.push(event);
        if (!event.enabled) turnedOff();
      };
      subscribe('hotswap:hotfix:debugger', listener);
      t.after(() => unsubscribe('hotswap:hotfix:debugger', listener));
      const worker = await startWorker(lib.path, true);
      assert.equal(await askCall(worker), 'hi w 1,2', 'the new worker runs the patched code');
      await withTimeout(off, WAIT_MS, "the engine to turn the new worker's debugger off once it loaded the file");
      assert.deepEqual(seen.map((event) => event.enabled), [true, false]);

      const reverted = await engine.revert('v1');
      assert.ok(reverted.ok, reverted.ok ? '' : reverted.error.message);
      assert.equal(lib.module.greet('m'), 'hello m');
      assert.equal(await askCall(worker), 'hello w 1,2', 'the revert reached the worker');
    });
  }

  it('gives a new worker the last of two patches of a file, and each revert reaches it in turn', async () => {
    const source = library('cjs');
    const lib = await dir.load(dir.fresh('chain', 'cjs'), source);
    const engine = suite.engine();
    const v1 = patched(source);
    const v2 = v1.replace("'hi '", "'hey '");
    assert.ok((await engine.apply(patchOf('v1', [{ file: lib.path, running: source, next: v1 }]))).ok);
    assert.ok((await engine.apply(patchOf('v2', [{ file: lib.path, running: v1, next: v2 }]))).ok);
    const worker = await startWorker(lib.path, true);
    assert.equal(await askCall(worker), 'hey w 1,2');
    assert.ok((await engine.revert('v2')).ok);
    assert.equal(await askCall(worker), 'hi w 1,2');
    assert.ok((await engine.revert('v1')).ok);
    assert.equal(await askCall(worker), 'hello w 1,2');
    assert.equal(lib.module.greet('m'), 'hello m');
  });

  it('lets a worker that loads the file only after the follow window run it unpatched, and says so', async () => {
    const source = library('cjs');
    const lib = await dir.load(dir.fresh('late', 'cjs'), source);
    const recorded = recordingLogger();
    let reportWarning!: (message: string) => void;
    const warned = new Promise<string>((resolve) => (reportWarning = resolve));
    const logger = {
      ...recorded,
      warn: (message: string) => {
        recorded.warn(message);
        if (message.includes('did not load')) reportWarning(message);
      },
    };
    const engine = suite.engine({ logger, workerStartWindowMs: 0 });
    assert.ok((await engine.apply(patchOf('v1', [{ file: lib.path, running: source, next: patched(source) }]))).ok);

    const worker = await startWorker(lib.path, false);
    assert.match(await withTimeout(warned, WAIT_MS, 'the warning that the worker did not load the file within the window'), /did not load .*late-\d+\.cjs within 0 ms/);
    assert.equal(await askCall(worker), 'hello w 1,2');
  });

  it('refuses a workerStartWindowMs that is not a finite number >= 0', () => {
    for (const workerStartWindowMs of [-1, Number.NaN, '5' as unknown as number]) {
      assert.throws(() => suite.engine({ workerStartWindowMs }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT', message: /workerStartWindowMs/ });
    }
  });

  it('leaves new workers alone with workers: false', async () => {
    const source = library('cjs');
    const lib = await dir.load(dir.fresh('alone', 'cjs'), source);
    const engine = suite.engine({ workers: false });
    assert.ok((await engine.apply(patchOf('v1', [{ file: lib.path, running: source, next: patched(source) }]))).ok);
    const worker = await startWorker(lib.path, true);
    assert.equal(await askCall(worker), 'hello w 1,2');
  });
});
