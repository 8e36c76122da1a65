/**
 * The hotfix engine loads esbuild only when a patch meets a file made by hotswap's TypeScript
 * loader: an application compiled ahead of time pays nothing for it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../../helpers/build-fixture.js';
import { spawnSyncBounded } from '../../helpers/timeout.js';

const HOTFIX = new URL('../../../src/hotfix/index.js', import.meta.url).href;

test('importing hotswap/hotfix and applying a JavaScript patch leaves esbuild unloaded', (t) => {
  // Made (and removed) here, not in the child: a child that fails midway would leave it behind.
  const dir = makeTempDir('hotswap-lazy-');
  t.after(dir.cleanup);
  const script = `
    import { createHash } from 'node:crypto';
    import { writeFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    const { createHotfixEngine } = await import(${JSON.stringify(HOTFIX)});
    const file = ${JSON.stringify(join(dir.path, 'lib.cjs'))};
    const source = 'function f() { return 1; }\\nmodule.exports = { f };\\n';
    writeFileSync(file, source);
    const require = createRequire(import.meta.url);
    const lib = require(file);
    const engine = createHotfixEngine({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const baseHash = createHash('sha256').update(source).digest('hex');
    const outcome = await engine.apply({ version: 'v1', files: [{ file, baseHash, source: source.replace('1;', '2;') }] });
    await engine.close();
    const loaded = Object.keys(require.cache).filter((key) => key.includes('esbuild'));
    console.log(JSON.stringify({ ok: outcome.ok, value: lib.f(), loaded }));
  `;
  const child = spawnSyncBounded(process.execPath, ['--input-type=module', '-e', script], 'the child applying a JavaScript patch');
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { ok: true, value: 2, loaded: [] });
});
