/**
 * `warmUp`: the debugger is enabled and disabled once when the engine is created, so V8's one-time
 * slowdown of promise-heavy code (docs/benchmarks.md) happens then rather than at the first apply.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import type { HotfixDebuggerMessage } from '../../../src/hotfix/index.js';
import { TEST_MS } from '../../helpers/timeout.js';
import { closeEngine, createEngine, ModuleDir, patchOf } from './fixtures.js';

const SOURCE = "function greet(name) { return 'hello ' + name; }\nmodule.exports = { greet };\n";

describe('warmUp', { timeout: TEST_MS }, () => {
  let dir: ModuleDir;
  const seen: boolean[] = [];
  const listener = (message: unknown) => void seen.push((message as HotfixDebuggerMessage).enabled);
  before(() => {
    dir = new ModuleDir();
    subscribe('hotswap:hotfix:debugger', listener);
  });
  after(() => {
    unsubscribe('hotswap:hotfix:debugger', listener);
    dir.cleanup();
  });

  for (const warmUp of [true, false]) {
    it(`${warmUp ? 'turns the debugger on and off once before' : 'leaves the debugger alone until'} the first apply (warmUp: ${String(warmUp)})`, async (t) => {
      const lib = await dir.load(dir.fresh('warm', 'cjs'), SOURCE);
      seen.length = 0;
      const engine = createEngine({ warmUp, workers: false });
      t.after(() => closeEngine(engine));
      const outcome = await engine.apply(patchOf('v1', [{ file: lib.path, running: SOURCE, next: SOURCE.replace('hello', 'hi') }]));
      assert.ok(outcome.ok);
      assert.equal(lib.module.greet('ann'), 'hi ann');
      assert.deepEqual(seen, warmUp ? [true, false, true, false] : [true, false]);
    });
  }

  it('refuses a warmUp that is not a boolean', () => {
    assert.throws(() => createEngine({ warmUp: 'yes' as unknown as boolean }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
  });
});
