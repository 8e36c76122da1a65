/**
 * Patching a .ts file run through hotswap's TypeScript loader: the patch carries the new .ts
 * source and the hash of the old one; the engine transforms it exactly as the running file was.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createHotfixEngine } from '../../../src/hotfix/index.js';
import { sha256 } from '../../../src/typescript/transform.js';
import { makeTempDir } from '../../helpers/build-fixture.js';
import { TEST_MS } from '../../helpers/timeout.js';
import { closeEngine } from './fixtures.js';

// LiveEdit through the TypeScript loader: without redirection (redirect-typescript.test.ts has it on).
process.env['HOTSWAP_REDIRECT'] = 'off';
register(new URL('../../../src/typescript/hooks.js', import.meta.url));

test('a function of a .ts module run through the loader is patched from new .ts source', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const file = join(tmp.path, 'price.ts');
  const v1 = [
    'interface Item { cents: number }',
    'function format(item: Item): string {',
    '  return `${(item.cents / 100).toFixed(2)} EUR`;',
    '}',
    'export function label(cents: number): string {',
    '  return format({ cents });',
    '}',
    '',
  ].join('\n');
  writeFileSync(file, v1);
  const mod = (await import(pathToFileURL(file).href)) as { label(cents: number): string };
  assert.equal(mod.label(1234), '12.34 EUR');

  const v2 = v1.replace('return `${(item.cents / 100).toFixed(2)} EUR`;', 'return `€${(item.cents / 100).toFixed(2)}`;');
  const engine = createHotfixEngine({ workers: false });
  t.after(() => closeEngine(engine));
  const outcome = await engine.apply({ version: 'eur-sign', files: [{ file, baseHash: sha256(v1), source: v2 }] });
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
  assert.deepEqual(outcome.functions.map((f) => f.name), ['format']);
  assert.equal(mod.label(1234), '€12.34');

  const stale = await engine.apply({ version: 'stale', files: [{ file, baseHash: sha256('something else'), source: v2 }] });
  assert.ok(!stale.ok);
  assert.equal(stale.error.code, 'HOTSWAP_ERR_HOTFIX_BASE_MISMATCH');
});
