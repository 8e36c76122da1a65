/**
 * The engine's `revertible` option: patches older than the newest `revertible` ones, whose files
 * later patches replaced whole, are folded (their revert data dropped, so memory stays flat over
 * hundreds of saves under `hotswap dev`): still applied and listed, their revert refused with a
 * code; patches that cannot be folded stay revertible.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createHotfixEngine } from '../../../src/hotfix/index.js';
import { sha256 } from '../../../src/hotfix/source.js';
import { installRedirectLoader } from '../../helpers/redirect-loader.js';
import { TEST_MS } from '../../helpers/timeout.js';
import { useWorkspace } from './fixtures.js';

await installRedirectLoader();

describe('hotfix option revertible', { timeout: TEST_MS }, () => {
  const ws = useWorkspace({ revertible: 1 });

  it('folds older patches of a TypeScript file: they stay applied and listed, their revert is refused', async () => {
    const source = (n: number): string => `export function answer(): number {\n  return ${n};\n}\n`;
    const file = ws.dir.write(ws.dir.fresh('folded', 'esm').replace(/\.mjs$/, '.ts'), source(1));
    const mod = (await import(pathToFileURL(file).href)) as { answer(): number };
    for (const n of [2, 3, 4]) {
      const outcome = await ws.engine.apply({ version: `fold-${n}`, files: [{ file, baseHash: sha256(source(1)), source: source(n) }] });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.equal(mod.answer(), n);
    }
    assert.deepEqual(ws.engine.list().map((p) => p.version), ['fold-2', 'fold-3', 'fold-4']);
    // The newest is kept whole: reverted, the code is fold-3's again.
    assert.ok((await ws.engine.revert('fold-4')).ok);
    assert.equal(mod.answer(), 3);
    const refused = await ws.engine.revert('fold-3');
    assert.equal(refused.ok, false);
    assert.equal(refused.ok ? '' : refused.error.code, 'HOTSWAP_ERR_HOTFIX_NOT_REVERTIBLE');
    assert.match(refused.ok ? '' : refused.error.message, /fold-3 cannot be reverted/);
    assert.equal(mod.answer(), 3, 'the refused revert changed nothing');
    // A later patch still applies on top of the folded ones, and is revertible.
    const again = await ws.engine.apply({ version: 'fold-5', files: [{ file, baseHash: sha256(source(1)), source: source(5) }] });
    assert.ok(again.ok, again.ok ? '' : again.error.message);
    assert.equal(mod.answer(), 5);
    assert.ok((await ws.engine.revert('fold-5')).ok);
    assert.equal(mod.answer(), 3);
  });

  it('keeps every patch of a JavaScript file revertible (a later patch is planned against the patched code, not the file)', async () => {
    const v1 = 'export function f(x) { return x + 1; }\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('js-kept', 'esm'), v1);
    const v2 = v1.replace('x + 1', 'x + 2');
    const v3 = v2.replace('x + 2', 'x + 3');
    assert.ok((await ws.engine.apply({ version: 'js-2', files: [{ file: path, baseHash: sha256(v1), source: v2 }] })).ok);
    assert.ok((await ws.engine.apply({ version: 'js-3', files: [{ file: path, baseHash: sha256(v2), source: v3 }] })).ok);
    assert.equal(module.f(0), 3);
    assert.ok((await ws.engine.revert('js-3')).ok);
    assert.ok((await ws.engine.revert('js-2')).ok);
    assert.equal(module.f(0), 1);
  });

  it('refuses a revertible that is not an integer of at least 1', () => {
    for (const revertible of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => createHotfixEngine({ revertible }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' }, String(revertible));
    }
  });
});
