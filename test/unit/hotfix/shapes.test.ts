 
/**
 * The matrix of function shapes, in CommonJS and in ES modules: each module is loaded, called,
 * patched while loaded, and called again; the new behaviour is seen, or the refusal is reported and
 * the old behaviour kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST_MS } from '../../helpers/timeout.js';
import { edit, patchOf, useWorkspace } from './fixtures.js';
import { moduleSource, shapes } from './shape-cases.js';

for (const kind of ['cjs', 'esm'] as const) {
  describe(`hotfix shapes (${kind === 'cjs' ? 'CommonJS' : 'ES module'})`, { timeout: TEST_MS }, () => {
    const ws = useWorkspace();

    for (const shape of shapes) {
      const title = shape.refused === true ? `refuses ${shape.name}` : shape.either === true ? `patches or refuses ${shape.name}` : `patches ${shape.name}`;
      it(title, async () => {
        const running = moduleSource(shape, kind);
        const { path, module } = await ws.dir.load(ws.dir.fresh('shape', kind), running);
        assert.deepEqual(await shape.call(module), shape.old);
        const outcome = await ws.engine.apply(patchOf(`${kind}-${shape.name}`, [{ file: path, running, next: edit(running, shape.edits) }]));
        if (shape.refused === true || (shape.either === true && !outcome.ok)) {
          assert.equal(outcome.ok, false);
          if (outcome.ok) return;
          assert.ok(
            ['HOTSWAP_ERR_HOTFIX_REFUSED', 'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED', 'HOTSWAP_ERR_HOTFIX_LIVEEDIT_FAILED'].includes(outcome.error.code),
            `${outcome.error.code}: ${outcome.error.message}`,
          );
          assert.equal(outcome.file, path);
          assert.deepEqual(await shape.call(module), shape.old, 'the old behaviour is kept');
          return;
        }
        assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
        assert.equal(outcome.alreadyApplied, false);
        assert.equal(outcome.threads, 1);
        assert.ok(outcome.functions.length > 0);
        assert.ok(outcome.functions.every((f) => f.file === path));
        assert.deepEqual(await shape.call(module), shape.new);
      });
    }
  });
}
