import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { live } from '../../../src/index.js';

describe('live.check', () => {
  it('accepts plain data', () => {
    live.check({
      n: 1,
      s: 'x',
      b: true,
      nil: null,
      u: undefined,
      big: 10n,
      list: [1, { deep: [2] }],
      bare: Object.create(null) as object,
      when: new Date(0),
      re: /x/,
      map: new Map([['k', { v: 1 }]]),
      set: new Set([1, 2]),
      bytes: new Uint8Array(4),
    });
  });

  const refusals: [string, unknown, RegExp][] = [
    ['a function', { job: { run: () => 1 } }, /at \$\.job\.run: a function \(run\)/],
    ['a symbol', [Symbol('s')], /at \$\[0\]: a symbol/],
    ['a symbol key', { [Symbol('k')]: 1 }, /a symbol key/],
    ['a class instance', { at: new (class Reminder {})() }, /at \$\.at: an instance of class Reminder/],
    ['a getter', Object.defineProperty({}, 'x', { get: () => 1, enumerable: true }), /at \$\.x: an accessor/],
    ['a function inside a Map', new Map([['k', () => 1]]), /\$\.get\("k"\): a function/],
    ['a function inside a Set', new Set([() => 1]), /<item 0>: a function/],
  ];
  for (const [label, value, message] of refusals) {
    it(`refuses ${label}, naming the path`, () => {
      assert.throws(() => live.check(value), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'HOTSWAP_ERR_LIVE_DATA_INVALID');
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('refuses cycles and nesting past the depth limit', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => live.check(cyclic), /at \$\.self: a cycle/);
    let deep: unknown = 1;
    for (let i = 0; i < 10; i++) deep = [deep];
    assert.throws(() => live.check(deep, { maxDepth: 5 }), /nested deeper than 5 levels/);
    live.check(deep, { maxDepth: 20 });
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    live.check({ x: shared, y: shared });
  });
});

describe('live.wrap and live.unwrap', () => {
  class Reminder {
    text = '';
    at = 0;
  }

  it('round-trips an instance into a new class of the same name, keeping added and dropping removed fields', () => {
    const original = Object.assign(new Reminder(), { text: 'call mum', at: 42 });
    const data = live.wrap(original);
    assert.deepEqual(data, { $liveType: 'Reminder', fields: { text: 'call mum', at: 42 } });
    live.check(data);
    // The next version of the class: `at` renamed to `due`, a `priority` field added.
    const NextReminder = class Reminder {
      text = '';
      due = 0;
      priority = 'normal';
      describe(): string {
        return `${this.text} (${this.priority})`;
      }
    };
    const rebuilt = live.unwrap(JSON.parse(JSON.stringify(data)) as unknown, NextReminder);
    assert.ok(rebuilt instanceof NextReminder);
    assert.deepEqual({ ...rebuilt }, { text: 'call mum', due: 0, priority: 'normal' });
    assert.equal(rebuilt.describe(), 'call mum (normal)');
  });

  it('refuses data of another type, and data that is not wrapped', () => {
    class Invoice {
      total = 0;
    }
    const data = live.wrap(new Reminder());
    assert.throws(() => live.unwrap(data, Invoice), { code: 'HOTSWAP_ERR_LIVE_TYPE_MISMATCH' });
    assert.throws(() => live.unwrap({ text: 'x' }, Reminder), { code: 'HOTSWAP_ERR_LIVE_DATA_INVALID' });
  });

  it('refuses to wrap plain objects and instances holding code', () => {
    assert.throws(() => live.wrap({ a: 1 }), /live.wrap takes an instance of a live type/);
    const holder = Object.assign(new Reminder(), { callback: () => 1 });
    assert.throws(() => live.wrap(holder), /a function/);
  });
});
