/**
 * The repair after LiveEdit (src/hotfix/closure-repair.ts). On Node 24 and 26, two closures of an
 * unchanged function that was never called before an edit crash the process (a segmentation fault)
 * when both are called after it: each scenario runs in a child process, so a crash fails the test
 * instead of ending the run. Apply, revert, the undo of a failed transaction, and a worker; on Node
 * 20 and 22 the same scenarios pass with or without the repair.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../../helpers/build-fixture.js';
import { spawnSyncBounded, TEST_MS } from '../../helpers/timeout.js';

const ENGINE = new URL('../../../src/hotfix/index.js', import.meta.url).href;

// `made` holds closures of `make` nobody has called; `exported` mimics the getters esbuild emits
// for a CommonJS module's exports (closures made in a loop, called only by reading the export).
const LIBRARY = `function make(k) {
  return () => k;
}
const made = [make(1), make(2), make(3)];
// Other shapes, two instances each: a function expression, an object's method and getter, a class
// with a static method, a generator, an async arrow; also nobody calls them before the edit.
const shapes = [1, 2].map((k) => ({
  expression: function named() { return k; },
  object: { method() { return k; }, get value() { return k; } },
  klass: class { get() { return k; } static make() { return k; } },
  generator: function* () { yield k; },
  later: async () => k,
}));
function makeLater(k) {
  return () => k * 10;
}
const exported = {};
for (const key of ['a', 'b']) Object.defineProperty(exported, key, { get: () => key.toUpperCase(), enumerable: true });
function grow(n) {
  return n + 1;
}
module.exports = { made, shapes, makeLater, exported, grow };
`;

const SCENARIO = `
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createHotfixEngine } from ${JSON.stringify(ENGINE)};

const [scenario, dir] = process.argv.slice(2);
const sha = (text) => createHash('sha256').update(text).digest('hex');
const library = ${JSON.stringify(LIBRARY)};
const grown = library.replace('return n + 1;', 'if (n < 0) {\\n    return 0;\\n  }\\n  return n + 1;');
const file = join(dir, scenario + '-lib.cjs');
writeFileSync(file, library);
const lib = createRequire(file)(file);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const engine = createHotfixEngine({ logger: silent, workers: scenario === 'worker', safePointDeadlineMs: 20 });
const patch = (version, from, to, extra = []) => ({ version, files: [{ file, baseHash: sha(from), source: to }, ...extra] });
const shapesOf = (m) => m.shapes.map((s) => s.expression() + s.object.method() + s.object.value + new s.klass().get() + s.klass.make() + s.generator().next().value).join(',');
const callAll = (m) => m.made.map((f) => f()).join(',') + ' ' + m.exported.a + m.exported.b + ' ' + shapesOf(m);
const expect = (outcome, ok) => {
  if (outcome.ok !== ok) throw new Error('unexpected outcome: ' + (outcome.ok ? 'ok' : outcome.error.message));
};

if (scenario === 'apply') {
  expect(await engine.apply(patch('v1', library, grown)), true);
  console.log('called', callAll(lib), lib.grow(-2));
} else if (scenario === 'revert') {
  expect(await engine.apply(patch('v1', library, grown)), true);
  const later = [lib.makeLater(1), lib.makeLater(2)];
  expect(await engine.revert('v1'), true);
  console.log('called', callAll(lib), later.map((f) => f()).join(','), lib.grow(-2));
} else if (scenario === 'undo') {
  // The second file stays blocked (a suspended async function it changes): the first is edited,
  // then set back, at every attempt.
  const slow = "async function slow(p) { await p; return 'old'; }\\nmodule.exports = { slow };\\n";
  const slowFile = join(dir, 'undo-slow.cjs');
  writeFileSync(slowFile, slow);
  // Kept reachable: a suspended function nothing refers to is collected, and blocks nothing.
  globalThis.keep = [];
  globalThis.keep.push(createRequire(slowFile)(slowFile).slow(new Promise((resolve) => globalThis.keep.push(resolve))));
  const extra = { file: slowFile, baseHash: sha(slow), source: slow.replace("'old'", "'new'") };
  expect(await engine.apply(patch('v1', library, grown, [extra])), false);
  console.log('called', callAll(lib), lib.grow(-2));
} else if (scenario === 'worker') {
  const workerFile = join(dir, 'worker.cjs');
  writeFileSync(workerFile, \`
    const { parentPort, workerData } = require('node:worker_threads');
    const lib = require(workerData);
    parentPort.on('message', async () => parentPort.postMessage(lib.made.map((f) => f()).join(',') + ' ' + lib.exported.a + lib.exported.b + ' ' + (await Promise.all(lib.shapes.map((s) => s.later()))).join(',') + ' ' + lib.grow(-2)));
    parentPort.postMessage('ready');
  \`);
  const worker = new Worker(workerFile, { workerData: file });
  const next = () => new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); worker.once('exit', (code) => reject(new Error('worker exited with ' + code))); });
  await next();
  expect(await engine.apply(patch('v1', library, grown)), true);
  const answer = next();
  worker.postMessage('call');
  console.log('called', await answer);
  await worker.terminate();
}
await engine.close();
`;

describe('the repair after LiveEdit (unchanged closures never called before the edit)', { timeout: TEST_MS }, () => {
  let tmp: TempDir;
  let script: string;
  before(() => {
    tmp = makeTempDir('hotswap-repair-');
    script = join(tmp.path, 'scenario.mjs');
    writeFileSync(script, SCENARIO);
  });
  after(() => tmp.cleanup());

  const run = (scenario: string) => {
    const child = spawnSyncBounded(process.execPath, [script, scenario, tmp.path], `the ${scenario} scenario in a child process`);
    assert.equal(child.signal, null, `the ${scenario} scenario was killed by ${child.signal ?? ''}: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    return child.stdout.trim();
  };

  it('after an apply, every closure can be called', () => {
    assert.equal(run('apply'), 'called 1,2,3 AB 6,12 0');
  });

  it('after a revert, closures made in between can be called', () => {
    assert.equal(run('revert'), 'called 1,2,3 AB 6,12 10,20 -1');
  });

  it('after a transaction is undone, every closure can be called', () => {
    assert.equal(run('undo'), 'called 1,2,3 AB 6,12 -1');
  });

  it('in a worker, every closure can be called after the apply', () => {
    assert.equal(run('worker'), 'called 1,2,3 AB 1,2 0');
  });
});
