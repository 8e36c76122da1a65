/**
 * The natives-syntax flag of the repair after LiveEdit (closure-repair.ts) stays on while any
 * repair needs it: several workers are repaired at once, each compiling the repair function when
 * its message arrives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowNativesSyntax } from '../../../src/hotfix/closure-repair.js';

let probes = 0;
const compilesNatives = (): boolean => {
  try {
    // A new text each time: V8's compilation cache would answer for a text it compiled before.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a parse test, never called
    new Function(`%FunctionGetScriptId(function () {}); // ${++probes}`);
    return true;
  } catch {
    return false;
  }
};

test('the flag is on from the first holder until the last lets go, and off before and after', () => {
  assert.equal(compilesNatives(), false);
  const first = allowNativesSyntax();
  const second = allowNativesSyntax();
  assert.equal(compilesNatives(), true);
  first();
  first();
  assert.equal(compilesNatives(), true, 'a second release by the first holder changes nothing');
  second();
  assert.equal(compilesNatives(), false);
});
