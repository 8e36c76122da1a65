import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildPlugins, ROOT_MODULE_CANDIDATES } from '../../../src/build/index.js';
import {
  DuplicatePluginError,
  HotswapError,
  OutputInsidePluginError,
  PluginDirMissingError,
  RootModuleMissingError,
} from '../../../src/errors.js';
import { makeTempDir, writePlugin } from '../../helpers/build-fixture.js';

const PLUGIN = "import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({});\n";

/** Runs a build that must be refused, and checks that nothing was built before the refusal. */
async function refused(pluginDirs: string[], outDir: string): Promise<HotswapError> {
  const error = await buildPlugins({ pluginDirs, outDir }).then(
    () => assert.fail('the build should be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof HotswapError, `expected a HotswapError, got ${String(error)}`);
  assert.equal(existsSync(outDir), false, 'refused before anything was written');
  return error;
}

test('a missing plugin directory is refused, even after a valid one', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const good = writePlugin(tmp.path, 'good', { 'index.ts': PLUGIN });
  const missing = join(tmp.path, 'nope');
  const error = await refused([good, missing], join(tmp.path, 'out'));
  assert.ok(error instanceof PluginDirMissingError);
  assert.equal(error.code, 'HOTSWAP_ERR_PLUGIN_DIR_MISSING');
  assert.equal(error.dir, missing);
});

test('a file given as plugin directory is refused as missing', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });
  const error = await refused([join(dir, 'index.ts')], join(tmp.path, 'out'));
  assert.ok(error instanceof PluginDirMissingError);
});

test('a plugin without a root module is refused, naming every file looked for', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'empty', { 'main.ts': PLUGIN, 'lib/index.ts': PLUGIN });
  const error = await refused([dir], join(tmp.path, 'out'));
  assert.ok(error instanceof RootModuleMissingError);
  assert.equal(error.plugin, 'empty');
  for (const candidate of ROOT_MODULE_CANDIDATES) assert.ok(error.message.includes(candidate), candidate);
});

test('an output directory equal to or inside a plugin directory is refused', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });

  const inside = await refused([dir], join(dir, 'build', 'out'));
  assert.ok(inside instanceof OutputInsidePluginError);
  assert.equal(inside.plugin, 'p');

  // The plugin directory itself exists, so only check the error type here.
  const error = await buildPlugins({ pluginDirs: [dir], outDir: dir }).then(
    () => assert.fail('the build should be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OutputInsidePluginError);
});

test('an output directory next to a plugin whose name it starts with is accepted', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });
  const results = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'p-out') });
  assert.equal(results.length, 1);
});

test('two plugins whose names differ only in case are refused', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const first = writePlugin(join(tmp.path, 'a'), 'Greeter', { 'index.ts': PLUGIN });
  const second = writePlugin(join(tmp.path, 'b'), 'greeter', { 'index.ts': PLUGIN });
  const error = await refused([first, second], join(tmp.path, 'out'));
  assert.ok(error instanceof DuplicatePluginError);
  assert.match(error.message, /"Greeter" and "greeter"/);
});
