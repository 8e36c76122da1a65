import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'acorn';
import { planFile, type SourceType } from '../../../src/hotfix/planner/index.js';
import type { FilePlan, PlannedFunction, SourceLocation } from '../../../src/hotfix/types.js';

const FILE = '/srv/app/src/billing/invoice.js';

const plan = (runningSource: string, newSource: string, sourceType: SourceType = 'script'): FilePlan =>
  planFile({ file: FILE, runningSource, newSource, sourceType });

/** 1-based line and column of the first occurrence of `snippet`. */
function locate(source: string, snippet: string): SourceLocation {
  const index = source.indexOf(snippet);
  assert.ok(index >= 0, `"${snippet}" is in the source`);
  const before = source.slice(0, index).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function assertParses(source: string | undefined, sourceType: SourceType): void {
  assert.ok(source !== undefined, 'a patched source');
  parse(source, { ecmaVersion: 'latest', sourceType, allowHashBang: true, allowReturnOutsideFunction: sourceType === 'script' });
}

interface Shape {
  readonly title: string;
  /** Qualified name the plan reports. */
  readonly name: string;
  readonly kind: PlannedFunction['kind'];
  /** Source with `'old'` exactly once, inside the function under test; the new source says `'new'`. */
  readonly code: string;
  /** Where the function reads as starting (its first occurrence). */
  readonly at: string;
  readonly only?: SourceType;
}

const shapes: readonly Shape[] = [
  { title: 'function declaration', name: 'target', kind: 'function', at: 'function target', code: `function target(a, b) {\n  return [a, b, 'old'];\n}\n` },
  { title: 'function expression', name: 'target', kind: 'function', at: 'function (a)', code: `const target = function (a) {\n  return 'old';\n};\n` },
  { title: 'named function expression (the binding names it)', name: 'target', kind: 'function', at: 'function inner', code: `const target = function inner(a) {\n  return a ? 'old' : inner(1);\n};\n` },
  { title: 'arrow with a block body', name: 'target', kind: 'arrow', at: '(a) =>', code: `const target = (a) => {\n  return 'old';\n};\n` },
  { title: 'async arrow', name: 'target', kind: 'arrow', at: 'async (a)', code: `const target = async (a) => {\n  await a;\n  return 'old';\n};\n` },
  { title: 'concise arrow with a parenthesised body', name: 'target', kind: 'arrow', at: '(a) =>', code: `const target = (a) => ('old' + a);\n` },
  { title: 'object literal method', name: 'api.target', kind: 'method', at: 'target(a)', code: `const api = {\n  target(a) {\n    return 'old';\n  },\n  other() {\n    return 0;\n  },\n};\n` },
  { title: 'object literal arrow property', name: 'api.target', kind: 'arrow', at: '(a) =>', code: `const api = {\n  target: (a) => {\n    return 'old';\n  },\n};\n` },
  { title: 'object literal getter', name: 'api.get target', kind: 'getter', at: 'get target', code: `const api = {\n  get target() {\n    return 'old';\n  },\n};\n` },
  { title: 'object literal setter', name: 'api.set target', kind: 'setter', at: 'set target', code: `const api = {\n  set target(value) {\n    this.value = [value, 'old'];\n  },\n};\n` },
  { title: 'method of a nested object literal', name: 'api.v1.target', kind: 'method', at: 'target()', code: `const api = {\n  v1: {\n    target() {\n      return 'old';\n    },\n  },\n};\n` },
  { title: 'class method', name: 'Svc.target', kind: 'method', at: 'target(a)', code: `class Svc {\n  target(a) {\n    return 'old';\n  }\n}\n` },
  { title: 'static method', name: 'Svc.static target', kind: 'method', at: 'static target', code: `class Svc {\n  static target() {\n    return 'old';\n  }\n}\n` },
  { title: '#private method', name: 'Svc.#target', kind: 'method', at: '#target() {', code: `class Svc {\n  #target() {\n    return 'old';\n  }\n  run() {\n    return this.#target();\n  }\n}\n` },
  { title: 'class getter', name: 'Svc.get target', kind: 'getter', at: 'get target', code: `class Svc {\n  get target() {\n    return 'old';\n  }\n}\n` },
  { title: 'class setter', name: 'Svc.set target', kind: 'setter', at: 'set target', code: `class Svc {\n  set target(value) {\n    this.value = [value, 'old'];\n  }\n}\n` },
  { title: 'static getter', name: 'Svc.static get target', kind: 'getter', at: 'static get', code: `class Svc {\n  static get target() {\n    return 'old';\n  }\n}\n` },
  { title: 'constructor', name: 'Svc.constructor', kind: 'method', at: 'constructor()', code: `class Svc {\n  constructor() {\n    this.label = 'old';\n  }\n}\n` },
  { title: 'arrow in a class field', name: 'Svc.target', kind: 'arrow', at: '() => {', code: `class Svc {\n  target = () => {\n    return 'old';\n  };\n}\n` },
  { title: 'method with a computed key', name: 'Svc.[Symbol.iterator]', kind: 'method', at: '[Symbol.iterator]() {', code: `class Svc {\n  [Symbol.iterator]() {\n    return ['old'][Symbol.iterator]();\n  }\n}\n` },
  { title: 'async method', name: 'Svc.target', kind: 'method', at: 'async target', code: `class Svc {\n  async target() {\n    await null;\n    return 'old';\n  }\n}\n` },
  { title: 'generator method', name: 'Svc.target', kind: 'method', at: '*target', code: `class Svc {\n  *target() {\n    yield 'old';\n  }\n}\n` },
  { title: 'async function', name: 'target', kind: 'function', at: 'async function', code: `async function target() {\n  await null;\n  return 'old';\n}\n` },
  { title: 'generator', name: 'target', kind: 'function', at: 'function*', code: `function* target() {\n  yield 'old';\n}\n` },
  { title: 'async generator', name: 'target', kind: 'function', at: 'async function*', code: `async function* target() {\n  yield 'old';\n}\n` },
  { title: 'anonymous closure with state', name: 'counter.<anonymous#1>', kind: 'closure', at: '() => {', code: `function counter() {\n  let n = 0;\n  return () => {\n    n += 1;\n    return [n, 'old'];\n  };\n}\n` },
  { title: 'named closure with state', name: 'counter.step', kind: 'closure', at: 'function step', code: `function counter() {\n  let n = 0;\n  function step() {\n    n += 1;\n    return [n, 'old'];\n  }\n  return step;\n}\n` },
  { title: 'closure nested in a closure', name: 'outer.middle.<anonymous#1>', kind: 'closure', at: '(c) =>', code: `function outer(a) {\n  return function middle(b) {\n    return (c) => {\n      return [a, b, c, 'old'];\n    };\n  };\n}\n` },
  { title: 'second anonymous closure of a function', name: 'outer.<anonymous#2>', kind: 'closure', at: '(x) => {', code: `function outer(list) {\n  list.map((x) => x + 1);\n  return list.map((x) => {\n    return [x, 'old'];\n  });\n}\n` },
  { title: 'method of a class declared in a function', name: 'make.Inner.target', kind: 'method', at: 'target()', code: `function make() {\n  class Inner {\n    target() {\n      return 'old';\n    }\n  }\n  return new Inner();\n}\n` },
  { title: 'default and destructured parameters', name: 'target', kind: 'function', at: 'function target', code: `function target({ a, b: [c] } = {}, d = 'old') {\n  return [a, c, d];\n}\n` },
  { title: 'arrow with a destructured default parameter', name: 'target', kind: 'arrow', at: '({ a', code: `const target = ({ a = 'old' } = {}) => {\n  return a;\n};\n` },
  { title: 'prototype assignment', name: 'Legacy.prototype.target', kind: 'function', at: 'function () {', code: `function Legacy() {}\nLegacy.prototype.target = function () {\n  return 'old';\n};\n` },
  { title: 'anonymous top-level callback', name: '<anonymous#1>', kind: 'arrow', at: '(req) =>', code: `const handlers = [];\nhandlers.push((req) => {\n  return [req, 'old'];\n});\n` },
  { title: 'second function of the same name', name: 'target<#2>', kind: 'function', at: "function () {\n    return 'old'", code: `let target;\nif (Math.random() > 2) {\n  target = function () {\n    return 'a';\n  };\n} else {\n  target = function () {\n    return 'old';\n  };\n}\n` },
  { title: 'module.exports property', name: 'module.exports.target', kind: 'function', at: 'function () {', only: 'script', code: `module.exports.target = function () {\n  return 'old';\n};\n` },
  { title: 'method of module.exports', name: 'module.exports.target', kind: 'method', at: 'target()', only: 'script', code: `module.exports = {\n  target() {\n    return 'old';\n  },\n};\n` },
  { title: 'exports property arrow', name: 'exports.target', kind: 'arrow', at: 'async (req)', only: 'script', code: `exports.target = async (req) => {\n  return [req, 'old'];\n};\n` },
  { title: 'CommonJS top-level return', name: 'target', kind: 'function', at: 'function target', only: 'script', code: `function target() {\n  return 'old';\n}\nif (module.parent === undefined) return;\nmodule.exports = { target };\n` },
  { title: 'exported function', name: 'target', kind: 'function', at: 'function target', only: 'module', code: `export function target() {\n  return 'old';\n}\n` },
  { title: 'anonymous default export', name: 'default', kind: 'function', at: 'function ()', only: 'module', code: `export default function () {\n  return 'old';\n}\n` },
  { title: 'exported const arrow', name: 'target', kind: 'arrow', at: '() =>', only: 'module', code: `export const target = () => {\n  return 'old';\n};\n` },
  { title: 'method of an anonymous default class', name: 'default.target', kind: 'method', at: 'target()', only: 'module', code: `export default class {\n  target() {\n    return 'old';\n  }\n}\n` },
  { title: 'after a hashbang', name: 'target', kind: 'function', at: 'function target', code: `#!/usr/bin/env node\nfunction target() {\n  return 'old';\n}\n` },
];

for (const sourceType of ['script', 'module'] as const) {
  describe(`a body edit is planned (${sourceType})`, () => {
    for (const shape of shapes.filter((s) => s.only === undefined || s.only === sourceType)) {
      test(shape.title, () => {
        assert.equal(shape.code.split("'old'").length, 2, "the shape says 'old' once");
        const running = `${shape.code}const unrelated = 1;\n`;
        // The new source also differs in comments only, elsewhere: nothing of that may be spliced in.
        const next = `${running.replace("'old'", "'new'")}// a comment the new version adds\n`;
        const result = plan(running, next, sourceType);
        assert.deepEqual(result.refusals, []);
        assert.deepEqual(result.functions, [{ name: shape.name, kind: shape.kind, location: locate(running, shape.at) }]);
        assert.deepEqual(result.ignored, []);
        assert.equal(result.patchedSource, running.replace("'old'", "'new'"));
        assertParses(result.patchedSource, sourceType);
      });
    }
  });
}

describe('what is replaced', () => {
  test('a closure changed alone is replaced alone, its enclosing function stays as it runs', () => {
    const running = 'function outer() {\n  let n = 0;\n  function inner() {\n    return n + 1;\n  }\n  return inner;\n}\n';
    const next = 'function outer() {\n  let n = 0;\n  function inner() {\n    return n + 2;\n  }\n  return inner;\n}\n';
    const result = plan(running, next);
    assert.deepEqual(result.functions.map((f) => f.name), ['outer.inner']);
    assert.equal(result.patchedSource, next);
  });

  test('when a function and its closure both changed, the function is replaced whole', () => {
    const running = 'function outer() {\n  let n = 0;\n  function inner() {\n    return n + 1;\n  }\n  return inner;\n}\n';
    const next = 'function outer() {\n  let n = 5;\n  function inner() {\n    return n + 2;\n  }\n  return inner;\n}\n';
    const result = plan(running, next);
    assert.deepEqual(result.functions, [{ name: 'outer', kind: 'function', location: { line: 1, column: 1 } }]);
    assert.equal(result.patchedSource, next);
  });

  test('a function that gains a nested function is replaced whole', () => {
    const running = 'function outer() {\n  return 1;\n}\n';
    const next = 'function outer() {\n  function helper() {\n    return 2;\n  }\n  return helper();\n}\n';
    const result = plan(running, next);
    assert.deepEqual(result.functions.map((f) => f.name), ['outer']);
    assert.deepEqual(result.refusals, []);
    assert.equal(result.patchedSource, next);
  });

  test('several changed functions are all replaced, and only their text', () => {
    const running = 'function a() {\n  return 1;\n}\nconst keep = 1; // running comment\nfunction b() {\n  return 2;\n}\n';
    const next = '/* new header */\nfunction a() {\n  return 10;\n}\nconst keep = 1; // new comment\n\n\nfunction b() {\n  return 20;\n}\n';
    const result = plan(running, next);
    assert.deepEqual(result.functions.map((f) => [f.name, f.location.line]), [['a', 1], ['b', 5]]);
    assert.equal(result.patchedSource, 'function a() {\n  return 10;\n}\nconst keep = 1; // running comment\nfunction b() {\n  return 20;\n}\n');
  });

  test('an edit of whitespace and comments only plans nothing and leaves the source as it runs', () => {
    const running = 'function a() {\n  return 1;\n}\n';
    const next = 'function a() {\n  // explained\n  return    1;\n}\n';
    const result = plan(running, next);
    assert.deepEqual(result.functions, []);
    assert.deepEqual(result.refusals, []);
    assert.equal(result.patchedSource, running);
  });

  test('anonymous functions pair by position: the edited one is replaced, not a sibling', () => {
    const running = 'const list = [];\nlist.push(() => {\n  return 1;\n});\nlist.push(() => {\n  return 2;\n});\n';
    const next = 'const list = [];\nlist.push(() => {\n  return 1;\n});\nlist.push(() => {\n  return 22;\n});\n';
    const result = plan(running, next);
    assert.deepEqual(result.functions, [{ name: '<anonymous#2>', kind: 'arrow', location: { line: 5, column: 11 } }]);
    assert.equal(result.patchedSource, next);
  });

  test('a method edit next to an unchanged field is planned; the class is not touched', () => {
    const running = 'class Invoice {\n  count = 0;\n  total() {\n    return this.count;\n  }\n}\n';
    const next = 'class Invoice {\n  count = 0;\n  total() {\n    return this.count * 2;\n  }\n}\n';
    const result = plan(running, next);
    assert.deepEqual(result.functions.map((f) => f.name), ['Invoice.total']);
    assert.equal(result.patchedSource, next);
  });

  test('an unchanged file plans nothing', () => {
    const source = 'function a() {\n  return 1;\n}\nmodule.exports = { a };\n';
    assert.deepEqual(plan(source, source), { file: FILE, patchedSource: source, functions: [], edits: [], refusals: [], ignored: [], helpers: [] });
  });
});
