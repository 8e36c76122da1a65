import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HotfixInvalidError } from '../../../src/errors.js';
import { parseSelector, planFile, selectorMatchesFile } from '../../../src/hotfix/planner/index.js';
import type { FilePlan } from '../../../src/hotfix/types.js';

const FILE = '/srv/app/src/billing/invoice.js';

const running = `const RATE = 2;
function formatDate(d) {
  return String(d);
}
function helper() {
  return 1;
}
class Invoice {
  count = 0;
  total() {
    return this.count * RATE;
  }
  get net() {
    return this.total();
  }
}
function outer() {
  let n = 0;
  function inner() {
    return n + 1;
  }
  return inner;
}
module.exports = { formatDate, helper, Invoice, outer };
`;

/** Each edit of the new version: what the running code says, and what the new code says instead. */
const edits = {
  topLevel: ['const RATE = 2;', 'const RATE = 3;'],
  formatDate: ['return String(d);', 'return String(d).trim();'],
  helper: ['return 1;', 'return 2;'],
  total: ['return this.count * RATE;', 'return this.count * RATE * 2;'],
  net: ['return this.total();', 'return this.total() + 1;'],
  outer: ['let n = 0;', 'let n = 1;'],
  inner: ['return n + 1;', 'return n + 2;'],
} as const;

type Edit = keyof typeof edits;

/** The running source with some of the edits made. */
function withEdits(...names: Edit[]): string {
  let source = running;
  for (const name of names) {
    const [from, to] = edits[name];
    assert.ok(source.includes(from));
    source = source.replace(from, to);
  }
  return source;
}

const next = `${withEdits(...(Object.keys(edits) as Edit[]))}// a comment the new version adds\n`;
const everyFunction = ['formatDate', 'helper', 'Invoice.total', 'Invoice.get net', 'outer', 'outer.inner'];

const plan = (scope: string[] | undefined, file = FILE, newSource = next): FilePlan =>
  planFile({ file, runningSource: running, newSource, sourceType: 'script', scope });

const names = (result: FilePlan): string[] => result.functions.map((f) => f.name);

describe('whole files', () => {
  test('no scope takes every change, and refuses the top-level one', () => {
    const result = plan(undefined);
    assert.deepEqual(names(result), ['formatDate', 'helper', 'Invoice.total', 'Invoice.get net', 'outer']);
    assert.deepEqual(result.refusals.map((r) => r.reason), ['module top-level code changed at line 1']);
    assert.deepEqual(result.ignored, []);
    assert.equal(result.patchedSource, undefined);
  });

  test('without the top-level change, no scope patches every changed function', () => {
    const result = plan(undefined, FILE, withEdits('formatDate', 'helper', 'total', 'net', 'outer', 'inner'));
    assert.deepEqual(result.refusals, []);
    assert.equal(result.patchedSource, withEdits('formatDate', 'helper', 'total', 'net', 'outer', 'inner'));
  });

  test('a package prefix and a file path take the whole file, top-level code included', () => {
    for (const selector of ['src/billing/', '/srv/app/src/billing/', 'billing/invoice.js', './billing/invoice.js', FILE]) {
      const result = plan([selector]);
      assert.deepEqual(names(result), ['formatDate', 'helper', 'Invoice.total', 'Invoice.get net', 'outer'], selector);
      assert.deepEqual(result.refusals.map((r) => r.reason), ['module top-level code changed at line 1'], selector);
    }
  });

  test('a prefix or path that does not name the file takes nothing, and everything that differs is ignored', () => {
    for (const selector of ['src/other/', 'voice.js', 'illing/', 'billing/invoice.ts', 'other.js#formatDate']) {
      const result = plan([selector]);
      assert.deepEqual(result.functions, [], selector);
      assert.deepEqual(result.refusals, [], selector);
      assert.deepEqual(result.ignored, everyFunction, selector);
      assert.equal(result.patchedSource, running, selector);
    }
  });

  test('a file: URL is matched by its path', () => {
    const result = plan(['billing/invoice.js'], 'file:///srv/app/src/billing/invoice.js');
    assert.deepEqual(names(result), ['formatDate', 'helper', 'Invoice.total', 'Invoice.get net', 'outer']);
  });
});

describe('named scopes', () => {
  test('a class takes all its methods, getters and setters; the rest is ignored and does not leak', () => {
    const result = plan(['invoice.js#Invoice']);
    assert.deepEqual(names(result), ['Invoice.total', 'Invoice.get net']);
    assert.deepEqual(result.refusals, []);
    assert.deepEqual(result.ignored, ['formatDate', 'helper', 'outer', 'outer.inner']);
    assert.equal(result.patchedSource, withEdits('total', 'net'));
  });

  test('a single function', () => {
    const result = plan(['invoice.js#formatDate']);
    assert.deepEqual(result.functions, [{ name: 'formatDate', kind: 'function', location: { line: 2, column: 1 } }]);
    assert.deepEqual(result.ignored, ['helper', 'Invoice.total', 'Invoice.get net', 'outer', 'outer.inner']);
    assert.equal(result.patchedSource, withEdits('formatDate'));
  });

  test('one method of a class, and a getter by its name', () => {
    assert.equal(plan(['invoice.js#Invoice.total']).patchedSource, withEdits('total'));
    const getter = plan(['invoice.js#Invoice.get net']);
    assert.deepEqual(getter.functions, [{ name: 'Invoice.get net', kind: 'getter', location: { line: 13, column: 3 } }]);
    assert.equal(getter.patchedSource, withEdits('net'));
  });

  test('a combination of selectors, with and without a file part', () => {
    const result = plan(['#formatDate', 'src/billing/invoice.js#Invoice.total', 'other.js#helper']);
    assert.deepEqual(names(result), ['formatDate', 'Invoice.total']);
    assert.equal(result.patchedSource, withEdits('formatDate', 'total'));
  });

  test('a function takes its closures: the function is replaced whole', () => {
    const result = plan(['invoice.js#outer']);
    assert.deepEqual(names(result), ['outer']);
    assert.equal(result.patchedSource, withEdits('outer', 'inner'));
  });

  test('a closure alone: its enclosing function changed too, but that change is ignored', () => {
    const result = plan(['invoice.js#outer.inner']);
    assert.deepEqual(result.functions, [{ name: 'outer.inner', kind: 'closure', location: { line: 19, column: 3 } }]);
    assert.ok(result.ignored.includes('outer'));
    assert.equal(result.patchedSource, withEdits('inner'));
  });

  test('a class field change is refused when the class is in scope, ignored when only a method is', () => {
    const withField = next.replace('count = 0;', 'count = 1;');
    assert.deepEqual(plan(['invoice.js#Invoice'], FILE, withField).refusals.map((r) => r.reason), ['class field "count" of Invoice changed']);
    const method = plan(['invoice.js#Invoice.total'], FILE, withField);
    assert.deepEqual(method.refusals, []);
    assert.equal(method.patchedSource, withEdits('total'));
  });

  test('a selector that names nothing of the running code is refused', () => {
    for (const [selector, name] of [
      ['invoice.js#nope', 'nope'],
      ['invoice.js#Invoice.tot', 'Invoice.tot'],
      ['#Invoic', 'Invoic'],
    ] as const) {
      const result = plan([selector, 'invoice.js#formatDate']);
      assert.deepEqual(result.refusals, [{ reason: `scope "${selector}" matches no function of ${FILE}`, name, location: undefined }]);
      assert.equal(result.patchedSource, undefined);
    }
  });

  test('a new function named by the scope is refused twice: no such function, and new', () => {
    const result = plan(['#extra'], FILE, `${running}function extra() {\n  return 3;\n}\n`);
    assert.deepEqual(result.refusals.map((r) => r.reason), [
      `scope "#extra" matches no function of ${FILE}`,
      'function "extra" is new: only functions that the running code has can be patched',
    ]);
  });

  test('out of scope, a new function is ignored', () => {
    const result = plan(['#helper'], FILE, `${withEdits('helper')}function extra() {\n  return 3;\n}\n`);
    assert.deepEqual(result.refusals, []);
    assert.deepEqual(result.ignored, ['extra']);
    assert.equal(result.patchedSource, withEdits('helper'));
  });
});

describe('selectors', () => {
  test('parseSelector splits at the first #, keeping private names', () => {
    assert.deepEqual(parseSelector('src/a.js#Class.#m'), { text: 'src/a.js#Class.#m', file: 'src/a.js', name: 'Class.#m' });
    assert.deepEqual(parseSelector('#outer.<anonymous#2>'), { text: '#outer.<anonymous#2>', file: '', name: 'outer.<anonymous#2>' });
    assert.deepEqual(parseSelector('.\\src\\billing\\'), { text: '.\\src\\billing\\', file: 'src/billing/', name: undefined });
  });

  test('selectorMatchesFile matches whole path segments from the end, or a directory anywhere', () => {
    const matches = (selector: string, file: string): boolean => selectorMatchesFile(parseSelector(selector), file);
    assert.equal(matches('billing/invoice.js', FILE), true);
    assert.equal(matches('voice.js', FILE), false);
    assert.equal(matches('src/', FILE), true);
    assert.equal(matches('rc/', FILE), false);
    assert.equal(matches('billing/', 'C:\\srv\\app\\src\\billing\\invoice.js'), true);
    assert.equal(matches('#x', FILE), true);
  });

  test('malformed selectors and an empty scope are invalid patches', () => {
    for (const selector of ['', '   ', '#', 'invoice.js#', 'invoice.js#.x', 'invoice.js#a..b', 'invoice.js#a.']) {
      assert.throws(() => plan([selector]), HotfixInvalidError, JSON.stringify(selector));
    }
    assert.throws(() => plan([]), HotfixInvalidError);
  });
});
