import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planFile, type SourceType } from '../../../src/hotfix/planner/index.js';
import type { FilePlan, Refusal } from '../../../src/hotfix/types.js';

const FILE = '/srv/app/src/billing/invoice.js';

const plan = (runningSource: string, newSource: string, sourceType: SourceType = 'script', scope?: string[]): FilePlan =>
  planFile({ file: FILE, runningSource, newSource, sourceType, scope });

const reasonsOf = (result: FilePlan): string[] => result.refusals.map((r) => r.reason);

/** A refused plan hands nothing to LiveEdit. */
function assertRefused(result: FilePlan, refusals: readonly Refusal[]): void {
  assert.deepEqual(result.refusals, refusals);
  assert.equal(result.patchedSource, undefined);
}

describe('module top-level code', () => {
  for (const sourceType of ['script', 'module'] as const) {
    test(`a changed initialiser is refused at the token that changed (${sourceType})`, () => {
      const running = 'const LIMIT = 10;\nfunction get() {\n  return LIMIT;\n}\n';
      const result = plan(running, running.replace('10', '20'), sourceType);
      assertRefused(result, [{ reason: 'module top-level code changed at line 1', name: undefined, location: { line: 1, column: 15 } }]);
      assert.deepEqual(result.functions, []);
    });
  }

  test('an added statement is refused at its line, a removed one names its running line', () => {
    const running = 'function a() {\n  return 1;\n}\nconsole.log("loaded");\n';
    const added = plan(running, 'function a() {\n  return 1;\n}\nconsole.log("loaded");\nsetInterval(a, 1000);\n');
    assertRefused(added, [{ reason: 'module top-level code changed at line 5', name: undefined, location: { line: 5, column: 1 } }]);
    const removed = plan(running, 'function a() {\n  return 1;\n}\n');
    assertRefused(removed, [{ reason: 'module top-level code removed (line 4 of the running code)', name: undefined, location: undefined }]);
  });

  test('changed imports and exports are top-level changes', () => {
    const running = "import { a } from './a.js';\nfunction f() {\n  return a;\n}\n";
    assert.deepEqual(reasonsOf(plan(running, running.replace("'./a.js'", "'./b.js'"), 'module')), ['module top-level code changed at line 1']);
    const exported = plan(running, running.replace('function f', 'export function f'), 'module');
    assert.deepEqual(reasonsOf(exported), ['module top-level code changed at line 2']);
  });

  test('a function body edit next to a top-level change is still refused as a whole file', () => {
    const running = 'let count = 0;\nfunction inc() {\n  count += 1;\n}\n';
    const result = plan(running, 'let count = 1;\nfunction inc() {\n  count += 2;\n}\n');
    assert.deepEqual(reasonsOf(result), ['module top-level code changed at line 1']);
    assert.deepEqual(result.functions.map((f) => f.name), ['inc'], 'what would be patched is still listed');
    assert.equal(result.patchedSource, undefined);
  });
});

describe('module-level bindings', () => {
  const running = 'function formatDate(d) {\n  return String(d);\n}\n';
  const next = 'const PAD = 2;\nfunction formatDate(d) {\n  return String(d).padStart(PAD);\n}\n';

  test('a function that starts using a new binding is refused where it uses it (and the binding, for the whole file)', () => {
    assertRefused(plan(running, next), [
      { reason: 'module-level binding "PAD" added at line 1', name: 'PAD', location: { line: 1, column: 7 } },
      {
        reason: '"formatDate" starts using module-level binding "PAD", which the running code does not have',
        name: 'formatDate',
        location: { line: 3, column: 29 },
      },
    ]);
  });

  test('in scope of the function alone, the new binding is refused for the function that needs it', () => {
    assert.deepEqual(reasonsOf(plan(running, next, 'script', ['#formatDate'])), [
      '"formatDate" starts using module-level binding "PAD", which the running code does not have',
    ]);
  });

  test('a new import used by a function of an ES module is refused the same way', () => {
    const esm = "export function sep() {\n  return '/';\n}\n";
    const withImport = "import { sep as s } from 'node:path';\nexport function sep() {\n  return s;\n}\n";
    assert.deepEqual(reasonsOf(plan(esm, withImport, 'module')), [
      'module-level binding "s" added at line 1',
      '"sep" starts using module-level binding "s", which the running code does not have',
    ]);
  });

  test('a removed binding is refused for the whole file, naming its running line', () => {
    const result = plan('const PAD = 2;\nfunction f() {\n  return 1;\n}\n', 'function f() {\n  return 1;\n}\n');
    assertRefused(result, [{ reason: 'module-level binding "PAD" removed (line 1 of the running code)', name: 'PAD', location: undefined }]);
  });

  test('a binding no function of the running code uses cannot be reached by a patched function (CommonJS)', () => {
    const before = 'const PAD = 7;\nfunction f() {\n  return 1;\n}\nmodule.exports = { f, PAD };\n';
    const result = plan(before, before.replace('return 1;', 'return PAD;'));
    assertRefused(result, [
      {
        reason:
          '"f" starts using module-level binding "PAD", which no function of the running code uses: V8 did not keep it where a patched function can reach it',
        name: 'f',
        location: { line: 2, column: 1 },
      },
    ]);
  });

  test('a binding another function already uses can be used by the patched one', () => {
    const before = 'const PAD = 7;\nfunction g() {\n  return PAD;\n}\nfunction f() {\n  return 1;\n}\n';
    const result = plan(before, before.replace('return 1;', 'return PAD + 1;'));
    assert.deepEqual(result.refusals, []);
    assert.deepEqual(result.functions.map((f) => f.name), ['f']);
  });

  test("CommonJS: `require` is a binding of the module's wrapper like any other", () => {
    const before = "const path = require('node:path');\nfunction f() {\n  return 1;\n}\n";
    assert.deepEqual(reasonsOf(plan(before, before.replace('return 1;', "return require('node:os');"))), [
      '"f" starts using module-level binding "require", which no function of the running code uses: V8 did not keep it where a patched function can reach it',
    ]);
    const lazy = "function g() {\n  return require('node:path');\n}\nfunction f() {\n  return 1;\n}\n";
    assert.deepEqual(reasonsOf(plan(lazy, lazy.replace('return 1;', "return require('node:os');"))), []);
  });

  test('ES module: imports and exports are always reachable; other bindings are not', () => {
    const before = "import { sep } from 'node:path';\nexport const LIMIT = 3;\nconst hidden = 4;\nexport function f() {\n  return 1;\n}\n";
    assert.deepEqual(reasonsOf(plan(before, before.replace('return 1;', 'return sep + LIMIT;'), 'module')), []);
    assert.deepEqual(reasonsOf(plan(before, before.replace('return 1;', 'return hidden;'), 'module')), [
      '"f" starts using module-level binding "hidden", which no function of the running code uses: V8 did not keep it where a patched function can reach it',
    ]);
  });

  test('a function that stops using a binding no other function uses is refused', () => {
    const before = 'const A = 1;\nconst B = 2;\nfunction f() {\n  return A;\n}\nfunction g() {\n  return B;\n}\n';
    assert.deepEqual(reasonsOf(plan(before, before.replace('return A;', 'return 10;'))), [
      '"f" stops using module-level binding "A", and no other function uses it: that changes how the module keeps its bindings, and LiveEdit would leave the patched functions running their old code',
    ]);
  });
});

describe('closures', () => {
  test('a closure that starts using a variable of its enclosing function no closure used is refused', () => {
    const before = 'function outer() {\n  let secret = 5;\n  let n = 0;\n  return () => {\n    n += 1;\n    return n;\n  };\n}\n';
    const result = plan(before, before.replace('return n;', 'return n + secret;'));
    assertRefused(result, [
      {
        reason:
          '"outer.<anonymous#1>" starts using "secret" of "outer" from a closure, which the running code does not: closures created before the patch would keep running their old code',
        name: 'outer.<anonymous#1>',
        location: { line: 4, column: 10 },
      },
    ]);
  });

  test('a closure may start using a variable another closure already keeps', () => {
    const before = 'function outer() {\n  let secret = 5;\n  const peek = () => secret;\n  return () => {\n    return 1;\n  };\n}\n';
    const result = plan(before, before.replace('return 1;', 'return secret;'));
    assert.deepEqual(result.refusals, []);
    assert.deepEqual(result.functions.map((f) => f.name), ['outer.<anonymous#1>']);
  });

  test('a closure that stops using the only captured variable is refused', () => {
    const before = 'function outer() {\n  let k = 5;\n  let n = 0;\n  return () => {\n    n += 1;\n    return n + k;\n  };\n}\n';
    assert.deepEqual(reasonsOf(plan(before, before.replace('return n + k;', 'return n;'))), [
      '"outer.<anonymous#1>" stops using "k" of "outer" from a closure, which changes how "outer" keeps its variables: closures created before the patch would keep running their old code',
    ]);
  });

  test('an enclosing function that adds a variable its closures use is refused (for the whole function)', () => {
    const before = 'function counter() {\n  let n = 0;\n  return () => {\n    n += 1;\n    return n;\n  };\n}\n';
    const after = 'function counter() {\n  let n = 0;\n  let step = 10;\n  return () => {\n    n += step;\n    return n;\n  };\n}\n';
    assert.deepEqual(reasonsOf(plan(before, after)), [
      '"counter" starts using "step" of "counter" from a closure, which the running code does not: closures created before the patch would keep running their old code',
    ]);
  });

  test('a long-lived arrow that starts using `this` is refused', () => {
    const before = 'class Timer {\n  constructor() {\n    this.k = 3;\n    this.tick = () => {\n      return 1;\n    };\n  }\n}\n';
    assert.deepEqual(reasonsOf(plan(before, before.replace('return 1;', 'return this.k;'))), [
      '"Timer.constructor.this.tick" starts using `this` of "Timer.constructor" from a closure, which the running code does not: closures created before the patch would keep running their old code',
    ]);
  });

  test('an arrow in a class field that starts using `this` is refused', () => {
    const before = 'class Svc {\n  k = 3;\n  handler = () => {\n    return 1;\n  };\n}\n';
    assert.deepEqual(reasonsOf(plan(before, before.replace('return 1;', 'return this.k;'))), [
      '"Svc.handler" starts using `this` of the instance fields of class Svc from a closure, which the running code does not: closures created before the patch would keep running their old code',
    ]);
  });

  test('a method that starts using super or the class name, which no method used, is refused', () => {
    const base = 'class Base {\n  x() {\n    return 5;\n  }\n}\nclass Svc extends Base {\n  m() {\n    return 1;\n  }\n}\n';
    assert.deepEqual(reasonsOf(plan(base, base.replace('return 1;', 'return super.x();'))), [
      '"Svc.m" starts using super of class Svc, which no method of the running class uses: V8 made the class without it, and the methods would keep running their old code',
    ]);
    assert.deepEqual(reasonsOf(plan(base, base.replace('return 1;', 'return Svc.name;'))), [
      '"Svc.m" starts using the class name "Svc" of class Svc, which no method of the running class uses: V8 made the class without it, and the methods would keep running their old code',
    ]);
    const withSuper = base.replace('class Svc extends Base {\n', 'class Svc extends Base {\n  n() {\n    return super.x();\n  }\n');
    assert.deepEqual(reasonsOf(plan(withSuper, withSuper.replace('return 1;', 'return super.x();'))), []);
  });

  test('an object literal method that starts using super is refused', () => {
    const before = 'const base = { x() { return 5; } };\nconst api = {\n  __proto__: base,\n  m() {\n    return 1;\n  },\n};\n';
    assert.deepEqual(reasonsOf(plan(before, before.replace('return 1;', 'return super.x();'))), [
      '"api.m" starts using super, which the running object literal was created without',
    ]);
  });
});

describe('classes', () => {
  const running = 'class Invoice {\n  count = 0;\n  static rate = 2;\n  total() {\n    return this.count;\n  }\n}\n';

  test('a changed field initialiser is refused', () => {
    assertRefused(plan(running, running.replace('count = 0', 'count = 1')), [
      { reason: 'class field "count" of Invoice changed', name: 'Invoice.count', location: { line: 2, column: 3 } },
    ]);
  });

  test('an added or removed field is refused, static ones by their static name', () => {
    assert.deepEqual(reasonsOf(plan(running, running.replace('  count = 0;\n', '  count = 0;\n  items = [];\n'))), [
      'class field "items" of Invoice added',
    ]);
    assert.deepEqual(reasonsOf(plan(running, running.replace('  static rate = 2;\n', ''))), ['class field "static rate" of Invoice removed']);
  });

  test('a changed heritage or static block is refused', () => {
    const derived = 'class A {}\nclass B {}\nclass C extends A {\n  static {\n    C.ready = true;\n  }\n}\n';
    assert.deepEqual(reasonsOf(plan(derived, derived.replace('extends A', 'extends B'))), ['heritage of class C changed']);
    assert.deepEqual(reasonsOf(plan(derived, derived.replace('C.ready = true', 'C.ready = false'))), ['static block of class C changed']);
  });

  test('a new method and a removed method are refused', () => {
    const added = plan(running, running.replace('  total() {', '  discount() {\n    return 0;\n  }\n  total() {'));
    assertRefused(added, [
      {
        reason: 'method "Invoice.discount" is new: only functions that the running code has can be patched',
        name: 'Invoice.discount',
        location: { line: 4, column: 3 },
      },
    ]);
    const removed = plan(running, 'class Invoice {\n  count = 0;\n  static rate = 2;\n}\n');
    assertRefused(removed, [
      {
        reason: 'method "Invoice.total" was removed: patching cannot take away a function that the running code has',
        name: 'Invoice.total',
        location: undefined,
      },
    ]);
  });

  test('a class declared in a function follows the same rules', () => {
    const inFunction = 'function make() {\n  class Row {\n    size = 1;\n    get() {\n      return 1;\n    }\n  }\n  return new Row();\n}\n';
    assert.deepEqual(reasonsOf(plan(inFunction, inFunction.replace('size = 1', 'size = 2'))), ['class field "size" of make.Row changed']);
  });
});

describe('concise arrows', () => {
  test('a concise arrow whose last token changes is refused', () => {
    const result = plan('const double = (y) => y * 2;\n', 'const double = (y) => y * 3;\n');
    assert.equal(result.patchedSource, undefined);
    assert.equal(result.refusals.length, 1);
    assert.match(result.refusals[0]?.reason ?? '', /^concise arrow "double" changes its last token: write its body in parentheses/);
    assert.deepEqual([result.refusals[0]?.name, result.refusals[0]?.location], ['double', { line: 1, column: 16 }]);
  });

  test('a parenthesised body keeps its last token and is planned; dropping the parentheses is refused', () => {
    const running = 'const double = (y) => (y * 2);\n';
    assert.deepEqual(plan(running, 'const double = (y) => (y * 3);\n').refusals, []);
    assert.match(reasonsOf(plan(running, 'const double = (y) => y * 3;\n'))[0] ?? '', /^concise arrow "double" changes its last token/);
  });

  test('a change before the last token is planned', () => {
    assert.deepEqual(plan('const f = (y) => Math.abs(y);\n', 'const f = (y) => Math.abs(y - 1);\n').refusals, []);
  });

  test('a concise body that becomes a block is refused', () => {
    assert.match(reasonsOf(plan('const f = (y) => y;\n', 'const f = (y) => {\n  return y + 1;\n};\n'))[0] ?? '', /^concise arrow "f" changes/);
  });

  test('a concise closure inside a function replaced whole is checked too', () => {
    const running = 'function mk(k) {\n  const z = k;\n  return (y) => y * z;\n}\n';
    const result = plan(running, 'function mk(k) {\n  const z = k + 1;\n  return (y) => y * z * 2;\n}\n');
    assert.deepEqual(result.functions.map((f) => f.name), ['mk']);
    assert.match(reasonsOf(result)[0] ?? '', /^concise arrow "mk\.<anonymous#1>" changes its last token/);
  });
});

describe('functions', () => {
  test('a function that becomes async, a generator or an arrow is refused', () => {
    assert.deepEqual(reasonsOf(plan('function f() {\n  return 1;\n}\n', 'async function f() {\n  return 1;\n}\n')), [
      '"f" changes from a plain function to an async function: LiveEdit cannot change the kind of a function that exists',
    ]);
    assert.deepEqual(reasonsOf(plan('class A {\n  m() {\n    return 1;\n  }\n}\n', 'class A {\n  async m() {\n    return 1;\n  }\n}\n')), [
      '"A.m" changes from a plain function to an async function: LiveEdit cannot change the kind of a function that exists',
    ]);
    assert.deepEqual(reasonsOf(plan('const f = function () {\n  return 1;\n};\n', 'const f = () => {\n  return 1;\n};\n')), [
      '"f" changes from a plain function to an arrow function: LiveEdit cannot change the kind of a function that exists',
    ]);
  });

  test('a closure that changes kind inside a function replaced whole is refused', () => {
    const running = 'function outer() {\n  const a = 1;\n  function inner() {\n    return a;\n  }\n  return inner;\n}\n';
    const result = plan(running, running.replace('const a = 1;', 'const a = 2;').replace('function inner', 'function* inner'));
    assert.deepEqual(result.functions.map((f) => f.name), ['outer']);
    assert.deepEqual(reasonsOf(result), [
      '"outer.inner" changes from a plain function to a generator function: LiveEdit cannot change the kind of a function that exists',
    ]);
  });

  test('an anonymous closure selected alone cannot be found when the code around it changed', () => {
    const running = 'function outer() {\n  const a = 1;\n  return () => {\n    return a;\n  };\n}\n';
    const next = 'function outer() {\n  const a = 2;\n  return () => {\n    return a + 1;\n  };\n}\n';
    const result = plan(running, next, 'script', ['#outer.<anonymous#1>']);
    assertRefused(result, [
      {
        reason:
          '"outer.<anonymous#1>" cannot be told apart from its anonymous siblings: the code around it in "outer" changed, and that change is out of scope',
        name: 'outer.<anonymous#1>',
        location: { line: 3, column: 10 },
      },
    ]);
    assert.deepEqual(result.ignored, ['outer']);
  });

  test('a new function is refused where it is, a removed one by name', () => {
    const running = 'function a() {\n  return 1;\n}\nfunction gone() {\n  return 2;\n}\n';
    assertRefused(plan(running, 'function a() {\n  return 1;\n}\nfunction extra() {\n  return 3;\n}\n'), [
      {
        reason: 'function "extra" is new: only functions that the running code has can be patched',
        name: 'extra',
        location: { line: 4, column: 1 },
      },
      {
        reason: 'function "gone" was removed: patching cannot take away a function that the running code has',
        name: 'gone',
        location: undefined,
      },
    ]);
  });

  test('async functions and generators are planned (the applier waits while they are suspended)', () => {
    const running = 'async function load() {\n  await null;\n  return 1;\n}\nfunction* ids() {\n  yield 1;\n}\n';
    const result = plan(running, running.replace('return 1;', 'return 2;').replace('yield 1;', 'yield 2;'));
    assert.deepEqual(result.refusals, []);
    assert.deepEqual(result.functions.map((f) => f.name), ['load', 'ids']);
  });
});

describe('sources that do not parse', () => {
  test('a syntax error in the new source is refused with its place', () => {
    assertRefused(plan('function a() {\n  return 1;\n}\n', 'function a() {\n  return ; )\n}\n'), [
      { reason: 'the new source does not parse: Unexpected token at line 2', name: undefined, location: { line: 2, column: 12 } },
    ]);
  });

  test('ES module syntax in a script does not parse', () => {
    assert.deepEqual(reasonsOf(plan('function a() {}\n', "import x from 'x';\nfunction a() {}\n", 'script')), [
      "the new source does not parse: 'import' and 'export' may appear only with 'sourceType: module' at line 1",
    ]);
  });

  test('a running source that does not parse is refused too', () => {
    const result = plan('export function a() {}\n', 'export function a() {}\n', 'script');
    assert.match(reasonsOf(result)[0] ?? '', /^the running source does not parse: /);
    assert.equal(result.refusals[0]?.location, undefined);
  });
});
