import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syntaxError } from '../../../src/dev/app-changes.js';

describe('hotswap dev syntax check', () => {
  it('reads each file as the loader transforms it: .tsx with JSX, .ts with types, .js as JavaScript', async () => {
    assert.equal(await syntaxError('/app/view.tsx', 'export const view = (n: number) => <b>{n}</b>;\n', '/app'), undefined);
    assert.equal(await syntaxError('/app/lib.ts', 'export const n: number = 1;\n', '/app'), undefined);
    assert.match((await syntaxError('/app/lib.ts', 'export const view = <b>1</b>;\n', '/app')) ?? '', /^lib\.ts:1:\d+: /);
    assert.match((await syntaxError('/app/lib.js', 'export const n: number = 1;\n', '/app')) ?? '', /^lib\.js:1:\d+: /);
  });

  it('names the file, line and column of the first error', async () => {
    assert.equal(await syntaxError('/app/src/a.ts', 'export function f() {\n  return (1;\n}\n', '/app'), 'src/a.ts:2:12: Expected ")" but found ";"');
  });
});
