/* eslint-disable @typescript-eslint/no-unsafe-return -- the patched modules are untyped JavaScript */
/**
 * The matrix of function shapes, shared by the LiveEdit and the redirection tests: a module body,
 * edits, and what a call returns before and after.
 */
import type { AnyModule, ModuleKind } from './fixtures.js';

export interface Shape {
  readonly name: string;
  /** Module body; `exports` lists what it exports. */
  readonly body: string;
  readonly exports: readonly string[];
  readonly edits: ReadonlyArray<readonly [string, string]>;
  readonly call: (m: AnyModule) => unknown;
  readonly old: unknown;
  readonly new: unknown;
  /** The edit is one LiveEdit would get wrong: it must be refused (planner) or caught (verification). */
  readonly refused?: boolean;
  /**
   * LiveEdit applies the edit on some Node versions only: the new behaviour is seen, or the refusal
   * is reported and the old behaviour kept, never a success with the old behaviour.
   */
  readonly either?: boolean;
  /** What a call returns once the patch is reverted, when state the calls change makes it differ from `old`. */
  readonly afterRevert?: unknown;
  /** Redirection refuses it (default: redirection applies it, whatever LiveEdit does). */
  readonly redirectRefused?: boolean;
}

export const shapes: Shape[] = [
  {
    name: 'function declaration',
    body: 'function f(x) { return x + 1; }',
    exports: ['f'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.f(1),
    old: 2,
    new: 3,
  },
  {
    name: 'function expression',
    body: 'const f = function (x) { return x + 1; };',
    exports: ['f'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.f(1),
    old: 2,
    new: 3,
  },
  {
    name: 'arrow with a parenthesised concise body',
    body: 'const f = (x) => (x + 1);',
    exports: ['f'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.f(1),
    old: 2,
    new: 3,
  },
  {
    name: 'arrow with a block body',
    body: 'const f = (x) => { return x + 1; };',
    exports: ['f'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.f(1),
    old: 2,
    new: 3,
  },
  {
    name: 'arrow with a bare concise body whose last token changes',
    body: 'const f = (x) => x + 1;',
    exports: ['f'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.f(1),
    old: 2,
    new: 3,
    refused: true,
  },
  {
    name: 'class method',
    body: 'class C { m(x) { return x + 1; } }\nconst c = new C();',
    exports: ['c'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.c.m(1),
    old: 2,
    new: 3,
  },
  {
    name: 'static method',
    body: 'class C { static s(x) { return x + 1; } }',
    exports: ['C'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.C.s(1),
    old: 2,
    new: 3,
  },
  {
    name: '#private method',
    body: 'class C { #p(x) { return x + 1; } run(x) { return this.#p(x); } }\nconst c = new C();',
    exports: ['c'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.c.run(1),
    old: 2,
    new: 3,
  },
  {
    name: 'getter',
    body: 'class C { #v = 1; get v() { return this.#v + 1; } set v(x) { this.#v = x; } }\nconst c = new C();',
    exports: ['c'],
    edits: [['this.#v + 1', 'this.#v + 2']],
    call: (m) => m.c.v,
    old: 2,
    new: 3,
  },
  {
    name: 'setter',
    body: 'class C { #v = 1; get v() { return this.#v; } set v(x) { this.#v = x; } }\nconst c = new C();',
    exports: ['c'],
    edits: [['this.#v = x;', 'this.#v = x * 10;']],
    call: (m) => {
      m.c.v = 2;
      return m.c.v;
    },
    old: 2,
    new: 20,
  },
  {
    name: 'object literal method',
    body: 'const o = { m(x) { return x + 1; } };',
    exports: ['o'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.o.m(1),
    old: 2,
    new: 3,
  },
  {
    name: 'closure with state (the state is kept)',
    body: 'function counter() { let n = 0; return () => { n += 1; return n; }; }\nconst c = counter(); c(); c();',
    exports: ['c'],
    edits: [['n += 1', 'n += 10']],
    call: (m) => m.c(),
    old: 3,
    new: 13,
    afterRevert: 14,
  },
  {
    name: 'nested closures',
    body: 'function outer(a) { return function middle(b) { return function inner(c) { return a + b + c + 1; }; }; }\nconst fn = outer(1)(2);',
    exports: ['fn', 'outer'],
    edits: [['c + 1;', 'c + 100;']],
    call: (m) => [m.fn(3), m.outer(1)(2)(3)],
    old: [7, 7],
    new: [106, 106],
  },
  {
    name: 'async function (idle)',
    body: 'async function af(x) { await null; return x + 1; }',
    exports: ['af'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => m.af(1),
    old: 2,
    new: 3,
  },
  {
    name: 'generator',
    body: 'function* g() { yield 1; yield 2; }',
    exports: ['g'],
    edits: [['yield 2', 'yield 20']],
    call: (m) => [...m.g()],
    old: [1, 2],
    new: [1, 20],
  },
  {
    name: 'class declared inside a function',
    body: 'function make() { return class Inner { v() { return 1; } }; }\nconst Made = make();\nconst inst = new Made();',
    exports: ['inst', 'make'],
    edits: [['return 1;', 'return 2;']],
    call: (m) => [m.inst.v(), new (m.make())().v()],
    old: [1, 1],
    new: [2, 2],
  },
  {
    name: 'class constructor',
    body: 'class K { constructor() { this.v = 1; } }',
    exports: ['K'],
    edits: [['this.v = 1;', 'this.v = 2;']],
    call: (m) => new m.K().v,
    old: 1,
    new: 2,
    redirectRefused: true,
  },
  {
    name: 'default and destructured parameters (body)',
    body: 'function d(a = 1, { b } = { b: 2 }) { return a + b; }',
    exports: ['d'],
    edits: [['return a + b;', 'return a + b + 10;']],
    call: (m) => m.d(),
    old: 3,
    new: 13,
  },
  {
    name: 'default and destructured parameters (the defaults)',
    body: 'function d(a = 1, { b } = { b: 2 }) { return a + b; }',
    exports: ['d'],
    edits: [['a = 1', 'a = 5'], ['{ b: 2 }', '{ b: 4 }']],
    call: (m) => m.d(),
    old: 3,
    new: 9,
  },
  {
    name: 'async arrow and async method',
    body: 'const af = async (x) => { await null; return x + 1; };\nclass S { async m(x) { await null; return x + 1; } }\nconst s = new S();',
    exports: ['af', 's'],
    edits: [['return x + 1; };', 'return x + 2; };'], ['return x + 1; } }', 'return x + 3; } }']],
    call: async (m) => [await m.af(1), await m.s.m(1)],
    old: [2, 2],
    new: [3, 4],
  },
  {
    name: 'object literal getter',
    body: 'let n = 1;\nconst o = { get v() { return n + 1; } };',
    exports: ['o'],
    edits: [['n + 1', 'n + 2']],
    call: (m) => m.o.v,
    old: 2,
    new: 3,
  },
  {
    name: 'class field initializer',
    body: 'class C { v = 1; get() { return this.v; } }',
    exports: ['C'],
    edits: [['v = 1', 'v = 2']],
    call: (m) => new m.C().get(),
    old: 1,
    new: 2,
    either: true,
    redirectRefused: true,
  },
  {
    name: 'arrow in a class field (block body)',
    body: 'class C { h = () => { return 1; }; }\nconst c = new C();',
    exports: ['C', 'c'],
    edits: [['return 1;', 'return 2;']],
    call: (m) => [m.c.h(), new m.C().h()],
    old: [1, 1],
    new: [2, 2],
    either: true,
  },
  {
    name: 'function called with new (new.target)',
    body: "function P(x) { if (!new.target) return 'call'; this.v = x + 1; }",
    exports: ['P'],
    edits: [['x + 1', 'x + 2']],
    call: (m) => [new m.P(1).v, m.P(1), new m.P(1) instanceof m.P],
    old: [2, 'call', true],
    new: [3, 'call', true],
  },
  {
    name: 'function reading its arguments object',
    body: 'function sum() { let s = 0; for (const a of arguments) s += a; return s; }',
    exports: ['sum'],
    edits: [['s += a;', 's += a * 2;']],
    call: (m) => m.sum(1, 2, 3),
    old: 6,
    new: 12,
  },
  {
    name: 'arrow using this and arguments of the method around it',
    body: 'const o = { k: 1, outer() { return (() => [this.k, arguments.length])(); } };',
    exports: ['o'],
    edits: [['arguments.length]', 'arguments.length * 10]']],
    call: (m) => m.o.outer(1, 2),
    old: [1, 2],
    new: [1, 20],
  },
  {
    name: 'generator delegating, with return value',
    body: 'function* inner() { yield 1; return 5; }\nfunction* g() { const r = yield* inner(); yield r; }',
    exports: ['g'],
    edits: [['yield r;', 'yield r * 2;']],
    call: (m) => [...m.g()],
    old: [1, 5],
    new: [1, 10],
  },
  {
    name: 'function that starts using a new module-level binding',
    body: 'let a = 1;\nfunction f() { return a; }',
    exports: ['f'],
    edits: [['let a = 1;', 'let a = 1;\nlet b = 5;'], ['return a;', 'return a + b;']],
    call: (m) => m.f(),
    old: 1,
    new: 6,
    refused: true,
    redirectRefused: true,
  },
  {
    name: 'top-level statement',
    body: 'const limit = 10;\nfunction get() { return limit; }',
    exports: ['get'],
    edits: [['limit = 10', 'limit = 20']],
    call: (m) => m.get(),
    old: 10,
    new: 20,
    refused: true,
    redirectRefused: true,
  },
];

export function moduleSource(shape: Shape, kind: ModuleKind): string {
  const list = shape.exports.join(', ');
  return kind === 'cjs' ? `'use strict';\n${shape.body}\nmodule.exports = { ${list} };\n` : `${shape.body}\nexport { ${list} };\n`;
}

