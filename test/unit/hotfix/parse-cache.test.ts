import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCache } from '../../../src/hotfix/planner/parse-cache.js';

describe('parse cache', () => {
  it('answers a text parsed before with the same parse, keeps the newest `size`, and tells module from script', () => {
    const parse = parseCache({ size: 2, idleMs: 60_000 });
    const a = parse('export const a = 1;', 'module');
    assert.equal(parse('export const a = 1;', 'module'), a);
    const b = parse('const b = 2;', 'module');
    parse('const a = 1;', 'script');
    assert.equal(parse('const b = 2;', 'module'), b, 'scripts are cached apart');
    parse('const c = 3;', 'module'); // a is now the oldest of three: dropped.
    assert.notEqual(parse('export const a = 1;', 'module'), a);
    assert.equal(parse('const c = 3;', 'module'), parse('const c = 3;', 'module'));
  });

  it('caches a failure too', () => {
    const parse = parseCache({ size: 1, idleMs: 60_000 });
    const failed = parse('let = ;', 'module');
    assert.ok('message' in failed);
    assert.equal(parse('let = ;', 'module'), failed);
  });
});
