// What the planner accepts, LiveEdit applies: each test loads a module, keeps live state from it,
// plans an edit, hands the patched source to Debugger.setScriptSource in this process, and checks
// what the live code does afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureLiveEdit } from '../../../src/hotfix/live-edit.js';
import { planFile, type SourceType } from '../../../src/hotfix/planner/index.js';
import { InspectorSession } from '../../../src/hotfix/session.js';
import { OwnThread } from '../../../src/hotfix/threads.js';

let dir = '';
let session: inspector.Session;
const scripts = new Map<string, string>();
let count = 0;

/** A loaded test module: untyped JavaScript that the tests call into. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the modules are written by the tests
type Live = Record<string, any>;

const post = <T>(method: string, params: object = {}): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));

before(async () => {
  // LiveEdit turned on as the engine does it (a V8 flag, on Node 26), for the whole process.
  const own = new OwnThread(new InspectorSession());
  await own.call('Debugger.enable');
  try {
    assert.equal(await ensureLiveEdit(own), undefined);
  } finally {
    await own.call('Debugger.disable');
    own.session.disconnect();
  }
  dir = mkdtempSync(join(tmpdir(), 'hotswap-planner-'));
  session = new inspector.Session();
  session.connect();
  session.on('Debugger.scriptParsed', ({ params }) => scripts.set(params.url, params.scriptId));
  await post('Debugger.enable');
});

after(async () => {
  await post('Debugger.disable');
  session.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes and loads a module; returns it and a function that plans and applies a new version. */
async function load(source: string, sourceType: SourceType): Promise<{ module: Live; patch: (next: string, scope?: string[]) => Promise<string[]> }> {
  const file = join(dir, `m${count++}.${sourceType === 'module' ? 'mjs' : 'cjs'}`);
  writeFileSync(file, source);
  const url = pathToFileURL(file).href;
  const module = sourceType === 'module' ? await import(url) : createRequire(file)(file);
  const patch = async (next: string, scope?: string[]): Promise<string[]> => {
    const scriptId = scripts.get(url);
    assert.ok(scriptId, `the debugger saw ${url}`);
    const { scriptSource } = await post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
    const plan = planFile({ file, runningSource: scriptSource, newSource: next, sourceType, scope });
    assert.deepEqual(plan.refusals, []);
    assert.ok(plan.patchedSource !== undefined);
    const { status } = await post<{ status: string }>('Debugger.setScriptSource', { scriptId, scriptSource: plan.patchedSource });
    assert.equal(status, 'Ok');
    return plan.functions.map((f) => f.name);
  };
  return { module, patch };
}

test('a closure keeps its state and runs its new code', async () => {
  const source = 'function counter() {\n  let n = 0;\n  return () => {\n    n += 1;\n    return n;\n  };\n}\nconst tick = counter();\nmodule.exports = { tick };\n';
  const { module, patch } = await load(source, 'script');
  module.tick();
  module.tick();
  assert.deepEqual(await patch(source.replace('n += 1', 'n += 10')), ['counter.<anonymous#1>']);
  assert.equal(module.tick(), 12);
});

test('methods, a #private method and a getter of a live instance', async () => {
  const source =
    'class Invoice {\n  count = 2;\n  total() {\n    return this.count * 10;\n  }\n  #round(x) {\n    return Math.round(x);\n  }\n' +
    '  get net() {\n    return this.#round(this.total() / 3);\n  }\n}\nmodule.exports = { invoice: new Invoice() };\n';
  const { module, patch } = await load(source, 'script');
  assert.equal(module.invoice.net, 7);
  const next = source.replace('this.count * 10', 'this.count * 100').replace('Math.round(x)', 'Math.floor(x)').replace('/ 3', '/ 7');
  assert.deepEqual(await patch(next), ['Invoice.total', 'Invoice.#round', 'Invoice.get net']);
  assert.equal(module.invoice.total(), 200);
  assert.equal(module.invoice.net, 28);
});

test('a concise arrow with a parenthesised body, already handed out', async () => {
  const source = 'function scale(k) {\n  return (y) => (y * k);\n}\nmodule.exports = { triple: scale(3) };\n';
  const { module, patch } = await load(source, 'script');
  assert.deepEqual(await patch(source.replace('(y * k)', '(y * k + 1)')), ['scale.<anonymous#1>']);
  assert.equal(module.triple(2), 7);
});

test('only what is in scope changes', async () => {
  const source = 'let calls = 0;\nfunction a() {\n  calls += 1;\n  return "a";\n}\nfunction b() {\n  return "b";\n}\nmodule.exports = { a, b, calls: () => calls };\n';
  const { module, patch } = await load(source, 'script');
  module.a();
  const next = source.replace('let calls = 0;', 'let calls = 100;').replace('"a"', '"A"').replace('"b"', '"B"');
  assert.deepEqual(await patch(next, ['#a']), ['a']);
  assert.deepEqual([module.a(), module.b(), module.calls()], ['A', 'b', 2]);
});

test('a function of an ES module, its imports in reach', async () => {
  const source = "import { sep } from 'node:path';\nexport const PREFIX = 'v';\nexport function label(n) {\n  return PREFIX + n;\n}\n";
  const { module, patch } = await load(source, 'module');
  assert.equal(module.label(1), 'v1');
  assert.deepEqual(await patch(source.replace('return PREFIX + n;', 'return PREFIX + sep + n;')), ['label']);
  assert.equal(module.label(1), `v${join('a', 'b').slice(1, 2)}1`);
});

test('an async function and a generator', async () => {
  // Not run before the patch: a finished async function's generator object can block LiveEdit
  // (BlockedByActiveGenerator) until it is garbage-collected, which the applier's retries cover.
  const source = 'async function load() {\n  await null;\n  return 1;\n}\nfunction* ids() {\n  yield 1;\n}\nmodule.exports = { load, ids };\n';
  const { module, patch } = await load(source, 'script');
  assert.deepEqual(await patch(source.replace('return 1;', 'return 2;').replace('yield 1;', 'yield 2;')), ['load', 'ids']);
  assert.equal(await module.load(), 2);
  assert.equal(module.ids().next().value, 2);
});
