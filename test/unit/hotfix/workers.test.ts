/**
 * Worker threads: each has its own V8; a patch applies to every thread that loaded the file, all or
 * none, driven from the engine's thread through the inspector's NodeWorker domain (no code of ours
 * in the worker).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createEngineWithPlanner } from '../../../src/hotfix/engine.js';
import { TEST_MS, WAIT_MS, terminate, withTimeout } from '../../helpers/timeout.js';
import { type createEngine, type ModuleDir, naivePlanner, patchOf, quiet, type ModuleKind } from './fixtures.js';
import { ask, workerSuite } from './worker-suite.js';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
(async () => {
  const lib = workerData.endsWith('.mjs') ? await import(pathToFileURL(workerData).href) : require(workerData);
  let release;
  parentPort.on('message', async (message) => {
    if (message === 'call') parentPort.postMessage(lib.greet('w'));
    else if (message === 'hold') {
      lib.slow(new Promise((resolve) => { release = resolve; })).then((value) => parentPort.postMessage('released ' + value));
      parentPort.postMessage('holding');
    } else if (message === 'release') release();
  });
  parentPort.postMessage('ready');
})();
`;

function library(kind: ModuleKind): string {
  const body = "function greet(name) { return 'hello ' + name; }\nasync function slow(p) { await p; return 'old'; }\n";
  return kind === 'cjs' ? `${body}module.exports = { greet, slow };\n` : `${body}export { greet, slow };\n`;
}

const NEW_GREET = (source: string) => source.replace("'hello '", "'hi '");

describe('hotfix in worker threads', { timeout: TEST_MS }, () => {
  const suite = workerSuite('worker.cjs', WORKER);
  const startWorker = (lib: string) => suite.startWorker(lib);
  const engine = (options: Parameters<typeof createEngine>[0] = {}) => suite.engine(options);
  let dir: ModuleDir;
  before(() => {
    dir = suite.dir;
  });

  for (const kind of ['cjs', 'esm'] as const) {
    it(`patches a worker that loaded a module the main thread never loaded (${kind}), and reverts it`, async () => {
      const source = library(kind);
      const lib = dir.write(dir.fresh('worker-only', kind), source);
      const worker = await startWorker(lib);
      assert.equal(await ask(worker, 'call'), 'hello w');
      const hotfix = engine();
      const outcome = await hotfix.apply(patchOf('v1', [{ file: lib, running: source, next: NEW_GREET(source) }]));
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.equal(outcome.threads, 1);
      assert.equal(outcome.pauseMs, 0, 'nothing to change in the main thread');
      assert.equal(await ask(worker, 'call'), 'hi w');
      assert.ok((await hotfix.revert('v1')).ok);
      assert.equal(await ask(worker, 'call'), 'hello w');
    });
  }

  it('patches the main thread and every worker that loaded the file together', async () => {
    const source = library('esm');
    const { path, module } = await dir.load(dir.fresh('shared', 'esm'), source);
    const first = await startWorker(path);
    const second = await startWorker(path);
    const outcome = await engine().apply(patchOf('v1', [{ file: path, running: source, next: NEW_GREET(source) }]));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(outcome.threads, 3);
    assert.equal(module.greet('m'), 'hi m');
    assert.equal(await ask(first, 'call'), 'hi w');
    assert.equal(await ask(second, 'call'), 'hi w');
  });

  it('changes nothing anywhere when a worker cannot be patched (its async function stays suspended)', async () => {
    const source = library('cjs');
    const { path, module } = await dir.load(dir.fresh('worker-blocked', 'cjs'), source);
    const worker = await startWorker(path);
    assert.equal(await ask(worker, 'hold'), 'holding');
    const next = NEW_GREET(source).replace("'old'", "'new'");
    const outcome = await engine({ safePointDeadlineMs: 30 }).apply(patchOf('v1', [{ file: path, running: source, next }]));
    assert.equal(outcome.ok ? '' : outcome.error.code, 'HOTSWAP_ERR_HOTFIX_BLOCKED');
    assert.equal(module.greet('m'), 'hello m');
    assert.equal(await ask(worker, 'call'), 'hello w');
    assert.equal(await ask(worker, 'release'), 'released old');
  });

  it('reverts the workers when the main thread cannot be patched', async () => {
    const source = library('cjs');
    const { path, module } = await dir.load(dir.fresh('main-blocked', 'cjs'), source);
    const worker = await startWorker(path);
    let release!: () => void;
    const pending = module.slow(new Promise<void>((resolve) => (release = resolve)));
    const next = NEW_GREET(source).replace("'old'", "'new'");
    const outcome = await engine({ safePointDeadlineMs: 30 }).apply(patchOf('v1', [{ file: path, running: source, next }]));
    assert.equal(outcome.ok ? '' : outcome.error.code, 'HOTSWAP_ERR_HOTFIX_BLOCKED');
    assert.equal(await ask(worker, 'call'), 'hello w', 'the worker was patched, then set back');
    assert.equal(module.greet('m'), 'hello m');
    release();
    assert.equal(await withTimeout(pending, WAIT_MS, 'the suspended call to finish once released'), 'old');
  });

  it('reports a worker whose edit fails verification as a worker failure, main thread unchanged', async () => {
    const source = "function mk() { return (y) => y * 2; }\nconst f = mk();\nfunction greet(name) { return 'hello ' + name + f(1); }\nmodule.exports = { greet, f };\n";
    const lib = dir.write(dir.fresh('worker-verify', 'cjs'), source);
    const worker = await startWorker(lib);
    const hotfix = suite.track(createEngineWithPlanner({ logger: quiet }, naivePlanner));
    const outcome = await hotfix.apply(patchOf('v1', [{ file: lib, running: source, next: source.replace('y * 2', 'y * 3') }]));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_WORKER_FAILED');
    assert.equal((outcome.error.cause as { code?: string }).code, 'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED');
    assert.equal(outcome.file, lib);
    assert.equal(await ask(worker, 'call'), 'hello w2');
  });

  it('reverts after a patched worker has exited', async () => {
    const source = library('cjs');
    const { path, module } = await dir.load(dir.fresh('exited', 'cjs'), source);
    const worker = await startWorker(path);
    const hotfix = engine();
    const outcome = await hotfix.apply(patchOf('v1', [{ file: path, running: source, next: NEW_GREET(source) }]));
    assert.equal(outcome.ok ? outcome.threads : 0, 2);
    await terminate(worker);
    const reverted = await hotfix.revert('v1');
    assert.ok(reverted.ok, reverted.ok ? '' : reverted.error.message);
    assert.equal(reverted.threads, 1);
    assert.equal(module.greet('m'), 'hello m');
  });

  it('leaves workers alone with workers: false', async () => {
    const source = library('cjs');
    const { path, module } = await dir.load(dir.fresh('no-workers', 'cjs'), source);
    const worker = await startWorker(path);
    const outcome = await engine({ workers: false }).apply(patchOf('v1', [{ file: path, running: source, next: NEW_GREET(source) }]));
    assert.equal(outcome.ok ? outcome.threads : 0, 1);
    assert.equal(module.greet('m'), 'hi m');
    assert.equal(await ask(worker, 'call'), 'hello w');
  });
});
