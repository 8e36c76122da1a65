import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { manifestFileName, parseManifest, type Manifest } from '../../../src/artifact/manifest.js';
import { HOTSWAP_VERSION } from '../../../src/version.js';
import { makeTempDir, writePlugin } from '../../helpers/build-fixture.js';
import { runCli } from './run-cli.js';

const PLUGIN = "import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({});\n";

function readManifest(outDir: string, name: string): Manifest {
  const file = join(outDir, manifestFileName(name));
  return parseManifest(readFileSync(file, 'utf8'), file);
}

test('hotswap build prints one line per plugin and writes their manifests', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(join(tmp.path, 'plugins'), 'alpha', { 'index.ts': PLUGIN });
  writePlugin(join(tmp.path, 'plugins'), 'beta', { 'index.ts': PLUGIN + 'export const beta = 1;\n' });

  const run = await runCli(['build', 'plugins/alpha', 'plugins/beta', 'out'], tmp.path);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2, run.stdout);
  for (const [i, name] of ['alpha', 'beta'].entries()) {
    const manifest = readManifest(join(tmp.path, 'out'), name);
    const line = lines[i] ?? '';
    assert.ok(line.includes(name), line);
    assert.ok(line.includes(manifest.version), line);
    assert.ok(line.includes(manifest.sha256.slice(0, 12)), line);
    assert.match(line, /\d+(\.\d+)? (B|kB)/, 'size');
    assert.match(line, /\d+ ms/, 'time');
  }
});

test('--version after the subcommand is the version label, not hotswap\'s own --version', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });

  const run = await runCli(['build', '--version', '1.4.2', '--no-sourcemap', '--bundle-deps', 'p', 'out'], tmp.path);
  assert.equal(run.code, 0, run.stderr);
  const manifest = readManifest(join(tmp.path, 'out'), 'p');
  assert.equal(manifest.version, '1.4.2');
  assert.equal(manifest.sourcemap, false);
  assert.equal(manifest.bundleDeps, true);
  assert.match(run.stdout, /built p 1\.4\.2 /);

  const own = await runCli(['--version'], tmp.path);
  assert.equal(own.code, 0);
  assert.equal(own.stdout.trim(), HOTSWAP_VERSION);
});

test('--verbose logs what is built to stderr', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });
  const run = await runCli(['build', '--verbose', 'p', 'out'], tmp.path);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /p: building p[\\/]index\.ts/);
  assert.match(run.stderr, /p: wrote p\.[0-9a-f]{12}\.js/);
});

test('a syntax error prints "error HOTSWAP_ERR_BUILD_FAILED" with file:line:col, no stack, and exits 1', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'bad', { 'index.ts': PLUGIN + 'const x = ;\n' });

  const run = await runCli(['build', 'bad', 'out'], tmp.path);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^error HOTSWAP_ERR_BUILD_FAILED: build of plugin "bad" failed:/);
  assert.match(run.stderr, /bad[\\/]index\.ts:3:11: /);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace for a user fault');
});

test('a refusal prints its code and exits 1', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const run = await runCli(['build', 'missing', 'out'], tmp.path);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error HOTSWAP_ERR_PLUGIN_DIR_MISSING: plugin directory not found: .*missing\n$/);
});

test('build needs a plugin directory and an output directory', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });
  const run = await runCli(['build', 'p'], tmp.path);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /output directory/);
});
