/**
 * The texts verification looks for must be exactly what V8's Function.prototype.toString returns,
 * or a function LiveEdit left behind would go unseen: checked against V8 itself, shape by shape.
 */
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { changedFunctions, functionTexts, staleKey } from '../../../src/hotfix/function-texts.js';

const SOURCE = `
function decl(a = 1, { b } = {}) { return a + b; }
const expr = function () { return 1; };
const arrow = async (x) => x;
const block = (x) => { return x; };
class A extends Object {
  static  async  *sm() {}
  get  x() { return 1; }
  set x(v) {}
  #p() { return 1; }
  static get #q() { return 1; }
  ['comp' + 1]() {}
  async am() {}
  'str'() {}
  42() {}
  constructor() { super(); this.k = () => 1; }
  static pp() { return A.#q; }
  pm() { return this.#p; }
}
class F { a = 1; m() {} #b = 'x'; static s = 3; c; ['d'] = 4; static t = 5; n() {} }
const o = { m() {}, async *ag() {}, get g() { return 1; }, f: function () {}, c: () => 1 };
function outer() { return function inner() { return class Local { v() { return 1; } }; }; }
`;

const VALUES = `[decl, expr, arrow, block, A, A.sm, Object.getOwnPropertyDescriptor(A.prototype, 'x').get,
  Object.getOwnPropertyDescriptor(A.prototype, 'x').set, A.pp, new A().pm(), A.prototype.comp1, A.prototype.am,
  A.prototype.str, A.prototype[42], new A().k, F, F.prototype.m, F.prototype.n, o.m, o.ag,
  Object.getOwnPropertyDescriptor(o, 'g').get, o.f, o.c, outer, outer(), outer()(), outer()().prototype.v]`;

describe('function texts', () => {
  it('lists the text V8 gives each function, method, getter, setter, arrow and class', () => {
    const fns = runInNewContext(`${SOURCE}\n${VALUES}`) as Array<(...args: unknown[]) => unknown>;
    const keys = new Set(functionTexts(SOURCE, 'script').map((f) => staleKey(f.role, f.text)));
    for (const fn of fns) {
      const text = Function.prototype.toString.call(fn);
      const role = text.startsWith('class') && Object.hasOwn(fn, 'prototype') ? 'class' : 'function';
      assert.ok(keys.has(staleKey(role, text)), `missing: ${role} ${JSON.stringify(text)}`);
    }
  });

  it('also lists the text of a class instance-field initializer (Node 24 form)', () => {
    const texts = functionTexts(SOURCE, 'script').map((f) => f.text);
    assert.ok(texts.includes("a = 1; m() {} #b = 'x'; static s = 3; c; ['d'] = 4"));
  });

  it('parses ES modules and CommonJS (top-level return, hashbang)', () => {
    assert.deepEqual(
      functionTexts('export default function () { return 1; }\nexport const f = () => 2;', 'module').map((f) => [f.name, f.text]),
      [
        ['default', 'function () { return 1; }'],
        ['f', '() => 2'],
      ],
    );
    assert.equal(functionTexts('#!/usr/bin/env node\nif (x) return;\nfunction g() {}', 'script')[0]?.text, 'function g() {}');
  });

  it('names what changed: the edited function and its enclosing ones, not its neighbours', () => {
    const from = 'function outer() { function inner() { return 1; } return inner; }\nfunction other() { return 3; }';
    const to = from.replace('return 1;', 'return 2;');
    const { stale, suspendable } = changedFunctions(from, to, 'script');
    assert.deepEqual([...stale.values()].sort(), ['outer', 'outer.inner']);
    assert.deepEqual(suspendable, []);
  });

  it('counts copies: an edited twin of an unchanged function is still stale', () => {
    const from = 'const a = () => { return 1; };\nconst b = () => { return 1; };';
    const to = 'const a = () => { return 1; };\nconst b = () => { return 2; };';
    assert.deepEqual([...changedFunctions(from, to, 'script').stale.keys()], [staleKey('function', '() => { return 1; }')]);
  });

  it("counts a method edit as the method's, a field edit as the field initializer's, a constructor edit as the class's", () => {
    const from = 'class C { #v = 1; constructor() { this.k = 1; } get v() { return this.#v; } }';
    const names = (to: string) => [...new Set(changedFunctions(from, to, 'script').stale.values())].sort();
    assert.deepEqual(names(from.replace('this.#v;', 'this.#v + 1;')), ['C.get v']);
    assert.deepEqual(names(from.replace('#v = 1', '#v = 2')), ['C.<fields>']);
    assert.deepEqual(names(from.replace('this.k = 1', 'this.k = 2')), ['C']);
  });

  it('tells a class from its Node 20 field initializer, which has the same text', () => {
    const from = 'class C { v = 1; }';
    const { stale } = changedFunctions(from, 'class C { v = 2; }', 'script');
    assert.equal(stale.get(staleKey('function', from)), 'C.<fields>');
    assert.equal(stale.has(staleKey('class', from)), false);
  });

  it('names changed async functions and generators', () => {
    const from = 'async function a() { await 1; }\nfunction* g() { yield 1; }\nfunction s() {}';
    const to = from.replace('await 1', 'await 2').replace('yield 1', 'yield 2').replace('s() {}', 's() { }');
    assert.deepEqual(changedFunctions(from, to, 'script').suspendable, ['a', 'g']);
  });
});
