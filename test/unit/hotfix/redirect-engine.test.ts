 
/**
 * The redirection backend through the engine, beyond the shape matrix: TypeScript, patches that
 * follow one another, new helper functions, a transaction across files, and every way a patch is
 * refused with the running code kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { sha256 } from '../../../src/hotfix/source.js';
import { installRedirectLoader } from '../../helpers/redirect-loader.js';
import { TEST_MS } from '../../helpers/timeout.js';
import { type AnyModule, useWorkspace } from './fixtures.js';

await installRedirectLoader();

/** The stack of what `run` throws. */
function stackOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).stack ?? '';
  }
  assert.fail('expected it to throw');
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('hotfix redirection', { timeout: TEST_MS }, () => {
  const ws = useWorkspace();

  it('patches a .ts module from new .ts source, with no debugger', async () => {
    const v1 = 'interface Item { cents: number }\nfunction format(item: Item): string { return `${(item.cents / 100).toFixed(2)} EUR`; }\nexport function label(cents: number): string { return format({ cents }); }\n';
    const file = ws.dir.write(ws.dir.fresh('price', 'esm').replace(/\.mjs$/, '.ts'), v1);
    const mod = (await import(pathToFileURL(file).href));
    assert.equal(mod.label(1234), '12.34 EUR');
    const v2 = v1.replace('return `${(item.cents / 100).toFixed(2)} EUR`;', 'return `€${(item.cents / 100).toFixed(2)}`;');
    const outcome = await ws.engine.apply({ version: 'ts-1', files: [{ file, baseHash: sha256(v1), source: v2 }] });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.deepEqual(outcome.functions, [{ file, name: 'format', backend: 'redirect' }]);
    assert.equal(mod.label(1234), '€12.34');
  });

  it('applies patches one after another, and reverts the newest first', async () => {
    const v1 = 'let calls = 0;\nexport function f(x) { calls++; return x + 1; }\nexport function g(x) { return f(x) * 2; }\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('chain', 'esm'), v1);
    const v2 = v1.replace('x + 1', 'x + 10');
    const v3 = v2.replace('f(x) * 2', 'f(x) * 3').replace('x + 10', 'x + 100');
    const first = await ws.engine.apply({ version: 'chain-2', files: [{ file: path, baseHash: sha256(v1), source: v2 }] });
    assert.ok(first.ok, first.ok ? '' : first.error.message);
    assert.equal(module.g(1), 22);
    const second = await ws.engine.apply({ version: 'chain-3', files: [{ file: path, baseHash: sha256(v2), source: v3 }] });
    assert.ok(second.ok, second.ok ? '' : second.error.message);
    assert.equal(module.g(1), 303);
    const early = await ws.engine.revert('chain-2');
    assert.equal(early.ok, false, 'a patch with a later one of the same file is not reverted');
    assert.ok((await ws.engine.revert('chain-3')).ok);
    assert.equal(module.g(1), 22);
    assert.ok((await ws.engine.revert('chain-2')).ok);
    assert.equal(module.g(1), 4);
  });

  it('brings new helper functions along, and refuses new module-level state', async () => {
    const v1 = 'export function price(a) { return a + 1; }\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('helpers', 'cjs').replace('.cjs', '.mjs'), v1);
    const withHelper = 'export function price(a) { return tax(a) + 1; }\nfunction tax(a) { return rate() * a; }\nfunction rate() { return 3; }\n';
    const outcome = await ws.engine.apply({ version: 'helper', files: [{ file: path, baseHash: sha256(v1), source: withHelper }] });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(module.price(2), 7);
    assert.ok((await ws.engine.revert('helper')).ok);
    const withState = 'let rate = 3;\nexport function price(a) { return rate * a + 1; }\n';
    const refused = await ws.engine.apply({ version: 'state', files: [{ file: path, baseHash: sha256(v1), source: withState }] });
    assert.equal(refused.ok, false);
    if (!refused.ok) {
      assert.equal(refused.error.code, 'HOTSWAP_ERR_HOTFIX_REFUSED');
      assert.match(refused.error.message, /module-level binding "rate" added/);
    }
    assert.equal(module.price(2), 3);
  });

  it('is all or nothing across files: a file that cannot be patched leaves the others as they ran', async () => {
    const a1 = 'export function a() { return 1; }\n';
    const b1 = 'export function b() { return 1; }\n';
    const a = await ws.dir.load(ws.dir.fresh('tx-a', 'esm'), a1);
    const b = await ws.dir.load(ws.dir.fresh('tx-b', 'esm'), b1);
    const outcome = await ws.engine.apply({
      version: 'tx',
      files: [
        { file: a.path, baseHash: sha256(a1), source: a1.replace('1', '2') },
        { file: b.path, baseHash: sha256(b1), source: 'export function b() { return 1 +; }\n' },
      ],
    });
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.equal(outcome.file, b.path);
    assert.equal(a.module.a(), 1);
    assert.equal(b.module.b(), 1);
  });

  it('refuses, naming the function, what redirection cannot reach; the old code keeps running', async () => {
    const v1 = 'function counter() { let n = 0; let step = 1; return () => { n += 1; return n; }; }\nexport const c = counter();\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('reach', 'esm'), v1);
    assert.equal(module.c(), 1);
    const v2 = v1.replace('n += 1;', 'n += step * 5;');
    const outcome = await ws.engine.apply({ version: 'reach', files: [{ file: path, baseHash: sha256(v1), source: v2 }] });
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_REFUSED');
      assert.match(outcome.error.message, /counter\.<anonymous#1>.*starts using "step" of the function around it/);
    }
    assert.equal(module.c(), 2);
  });

  it('reports a new function that does not compile in the module scope as a redirect failure', async () => {
    const v1 = 'class Box { #v = 1; get() { return this.#v; } }\nexport function make() { return new Box(); }\nexport function peek(box) { return 0; }\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('compile', 'esm'), v1);
    // `#v` outside its class does not compile: the whole patch is refused.
    const v2 = v1.replace('return 0;', 'return box.#v;');
    const outcome = await ws.engine.apply({ version: 'compile', files: [{ file: path, baseHash: sha256(v1), source: v2 }] });
    assert.equal(outcome.ok, false);
    assert.equal(module.peek(module.make()), 0);
  });

  it('patches a CommonJS module imported from an ES module; the new code writes the module\'s variables', async () => {
    const v1 = "'use strict'\nlet total = 0;\nexports.add = function add(x) { total += x; return total; };\nexports.get = () => total;\n";
    const path = ws.dir.write(ws.dir.fresh('cjs', 'cjs'), v1);
    const module = (await import(pathToFileURL(path).href)) as { default: AnyModule };
    assert.equal(module.default.add(2), 2);
    const outcome = await ws.engine.apply({ version: 'cjs-esm', files: [{ file: path, baseHash: sha256(v1), source: v1.replace('total += x;', 'total += x * 10;') }] });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(module.default.add(2), 22);
    assert.equal(module.default.get(), 22);
  });

  it('new code throws with the new file\'s line in its stack frames, marked as the patch\'s', async () => {
    const v1 = 'export function fail() {\n  return 1;\n}\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('stack', 'esm'), v1);
    const v2 = '// a comment that moves the function down\n\nexport function fail() {\n  if (true) throw new Error("boom");\n  return helper();\n}\n\nfunction helper() {\n  throw new Error("helper");\n}\n';
    const outcome = await ws.engine.apply({ version: 'stack v2', files: [{ file: path, baseHash: sha256(v1), source: v2 }] });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    const error = (() => {
      try {
        module.fail();
      } catch (thrown) {
        return thrown as Error;
      }
      return undefined;
    })();
    const frame = (error?.stack ?? '').split('\n').find((line) => line.includes('hotswap-patch='));
    assert.ok(frame, error?.stack);
    assert.match(frame, /\?hotswap-patch=stack%20v2:4:\d+/);
    assert.ok((await ws.engine.revert('stack v2')).ok);
  });

  it('refuses a function whose parameters run code (they would run twice) and an arrow given more parameters', async () => {
    const v1 = 'let id = 0;\nexport function make(n = ++id) { return n; }\nexport const pair = (a, b) => [a, b];\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('params', 'esm'), v1);
    const v2 = v1.replace('return n;', 'return n * 10;').replace('(a, b) => [a, b]', '(a, b, c) => [a, b, c]');
    const outcome = await ws.engine.apply({ version: 'params', files: [{ file: path, baseHash: sha256(v1), source: v2 }] });
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.match(outcome.error.message, /"make".*parameters run code/);
      assert.match(outcome.error.message, /arrow "pair" takes more parameters/);
    }
    assert.equal(module.make(), 1);
    assert.deepEqual(module.pair(1, 2, 3), [1, 2]);
  });

  it('patches files that start with a byte order mark, CommonJS and ES module', async () => {
    for (const kind of ['cjs', 'esm'] as const) {
      const v1 = `\uFEFF${kind === 'cjs' ? 'exports.bom = function bom() { return 1; };' : 'export function bom() { return 1; }'}\n`;
      const { path, module } = await ws.dir.load(ws.dir.fresh('bom', kind), v1);
      const outcome = await ws.engine.apply({ version: `bom-${kind}`, files: [{ file: path, baseHash: sha256(v1), source: v1.replace('return 1', 'return 2') }] });
      assert.ok(outcome.ok, outcome.ok ? '' : `${kind}: ${outcome.error.message}`);
      assert.equal(module.bom(), 2, kind);
    }
  });

  it('maps stack frames in new TypeScript code to the new .ts lines when source maps are on', async () => {
    process.setSourceMapsEnabled(true);
    const v1 = 'export function check(n: number): number {\n  return n;\n}\n';
    const file = ws.dir.write(ws.dir.fresh('mapped', 'esm').replace(/\.mjs$/, '.ts'), v1);
    const mod = (await import(pathToFileURL(file).href));
    // Types before the function move it down in the .ts file, and esbuild drops them from the JavaScript.
    const v2 = 'interface Limits {\n  max: number;\n}\ntype N = number;\n\nexport function check(n: N): number {\n  const limits: Limits = { max: 1 };\n  if (n > limits.max) throw new Error("too big");\n  return n;\n}\n';
    const outcome = await ws.engine.apply({ version: 'mapped', files: [{ file, baseHash: sha256(v1), source: v2 }] });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    const stack = stackOf(() => mod.check(5));
    const frame = stack.split('\n').find((line) => line.includes('check'));
    assert.ok(frame !== undefined, stack);
    assert.match(frame, new RegExp(`${escapeRegExp(file)}:8:\\d+`), stack);
  });

  it('maps stack frames in a new TypeScript helper, far down a long file, to its .ts line', async () => {
    process.setSourceMapsEnabled(true);
    const filler = Array.from({ length: 400 }, (_, i) => `export function filler${i}(n: number): number {\n  return n + ${i};\n}\n`).join('');
    const v1 = `${filler}export function check(n: number): number {\n  return n;\n}\n`;
    const file = ws.dir.write(ws.dir.fresh('mapped-helper', 'esm').replace(/\.mjs$/, '.ts'), v1);
    const mod = (await import(pathToFileURL(file).href));
    const v2 = `${filler}type N = number;\n\nfunction refuse(n: N): never {\n  throw new Error('too big: ' + n);\n}\n\nexport function check(n: N): number {\n  if (n > 1) refuse(n);\n  return n;\n}\n`;
    const helperLine = v2.split('\n').findIndex((line) => line.includes('throw new Error')) + 1;
    const checkLine = v2.split('\n').findIndex((line) => line.includes('refuse(n);')) + 1;
    const outcome = await ws.engine.apply({ version: 'mapped-helper', files: [{ file, baseHash: sha256(v1), source: v2 }] });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    const stack = stackOf(() => mod.check(5));
    const escaped = escapeRegExp(file);
    const frames = stack.split('\n');
    assert.match(frames.find((line) => line.includes('refuse')) ?? '', new RegExp(`${escaped}:${helperLine}:\\d+`), stack);
    assert.match(frames.find((line) => line.includes('check')) ?? '', new RegExp(`${escaped}:${checkLine}:\\d+`), stack);
  });
});
