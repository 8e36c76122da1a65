/**
 * Verification: with a planner that lets LiveEdit's known silent failures through, the engine still
 * never reports success while a changed function runs its old code. These are the probe's cases
 * (../../../../shared/probes/liveedit), where LiveEdit answers `Ok` and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEngineWithPlanner, type HotfixEngine } from '../../../src/hotfix/engine.js';
import { TEST_MS } from '../../helpers/timeout.js';
import { closeEngine, edit, ModuleDir, naivePlanner, patchOf, quiet } from './fixtures.js';

describe('hotfix verification', { timeout: TEST_MS }, () => {
  let dir: ModuleDir;
  let engine: HotfixEngine;
  before(() => {
    dir = new ModuleDir();
    engine = createEngineWithPlanner({ logger: quiet }, naivePlanner);
  });
  after(async () => {
    await closeEngine(engine);
    dir.cleanup();
  });

  it('catches a concise arrow whose last token changed (closure made before the patch)', async () => {
    const source = 'function mk() { return (y) => y * 2; }\nconst f = mk();\nmodule.exports = { f, mk };\n';
    const { path, module } = await dir.load(dir.fresh('arrow', 'cjs'), source);
    const outcome = await engine.apply(patchOf('arrow', [{ file: path, running: source, next: edit(source, [['y * 2', 'y * 3']]) }]));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED');
    assert.equal(outcome.file, path);
    assert.equal(outcome.function, 'mk.<anonymous>');
    // Reverted: both the old closure and new ones run the old code.
    assert.equal(module.f(3), 6);
    assert.equal(module.mk()(3), 6);
    assert.deepEqual(engine.list(), []);
  });

  it('catches a function that starts using a new module-level binding', async () => {
    const source = 'let a = 1;\nfunction f() { return a; }\nmodule.exports = { f };\n';
    const { path, module } = await dir.load(dir.fresh('binding', 'cjs'), source);
    const next = edit(source, [['let a = 1;', 'let a = 1; let b = 5;'], ['return a;', 'return a + b;']]);
    const outcome = await engine.apply(patchOf('binding', [{ file: path, running: source, next }]));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED');
    assert.equal(outcome.function, 'f');
    assert.equal(module.f(), 1);
  });

  it('lets through what LiveEdit did apply, with an identical function elsewhere left alone', async () => {
    const other = 'const twin = (y) => { return y * 2; };\nmodule.exports = { twin };\n';
    const twin = await dir.load(dir.fresh('twin', 'cjs'), other);
    const source = 'const f = (y) => { return y * 2; };\nmodule.exports = { f };\n';
    const { path, module } = await dir.load(dir.fresh('edited', 'cjs'), source);
    const outcome = await engine.apply(patchOf('twin', [{ file: path, running: source, next: edit(source, [['y * 2', 'y * 3']]) }]));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(module.f(3), 9);
    assert.equal(twin.module.twin(3), 6);
  });
});
