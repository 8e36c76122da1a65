 
/**
 * The shape matrix through the redirection backend: the modules are loaded through hotswap's
 * loader, so every patch goes through redirection (no debugger); what LiveEdit cannot do (a
 * concise arrow's last token) applies, what redirection cannot do is refused and the old code kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { installRedirectLoader } from '../../helpers/redirect-loader.js';
import { TEST_MS } from '../../helpers/timeout.js';
import { edit, patchOf, useWorkspace } from './fixtures.js';
import { moduleSource, shapes } from './shape-cases.js';

await installRedirectLoader();

for (const kind of ['cjs', 'esm'] as const) {
  describe(`hotfix shapes through redirection (${kind === 'cjs' ? 'CommonJS' : 'ES module'})`, { timeout: TEST_MS }, () => {
    const ws = useWorkspace();

    for (const shape of shapes) {
      it(shape.redirectRefused === true ? `refuses ${shape.name}` : `redirects ${shape.name}`, async () => {
        const running = moduleSource(shape, kind);
        const { path, module } = await ws.dir.load(ws.dir.fresh('shape', kind), running);
        assert.deepEqual(await shape.call(module), shape.old);
        const version = `${kind}-${shape.name}`;
        const outcome = await ws.engine.apply(patchOf(version, [{ file: path, running, next: edit(running, shape.edits) }]));
        if (shape.redirectRefused === true) {
          assert.equal(outcome.ok, false, 'refused');
          if (outcome.ok) return;
          assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_REFUSED', outcome.error.message);
          assert.equal(outcome.file, path);
          assert.deepEqual(await shape.call(module), shape.old, 'the old behaviour is kept');
          return;
        }
        assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
        assert.ok(outcome.functions.length > 0);
        assert.ok(outcome.functions.every((f) => f.file === path && f.backend === 'redirect'), JSON.stringify(outcome.functions));
        assert.deepEqual(await shape.call(module), shape.new);
        const reverted = await ws.engine.revert(version);
        assert.ok(reverted.ok, reverted.ok ? '' : reverted.error.message);
        assert.deepEqual(await shape.call(module), 'afterRevert' in shape ? shape.afterRevert : shape.old, 'the revert puts the old code back');
      });
    }
  });
}
