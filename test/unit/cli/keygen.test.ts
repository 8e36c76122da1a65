/** `hotswap keygen`, and `--sign` of `hotswap build` and `hotswap hotfix build`, through the real CLI. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { manifestFileName, parseManifest } from '../../../src/artifact/manifest.js';
import { trustedKeySet } from '../../../src/signing/keys.js';
import { verifySignature } from '../../../src/signing/signature.js';
import { makeTempDir, writePlugin } from '../../helpers/build-fixture.js';
import { runCli } from './run-cli.js';

test('hotswap keygen writes a private key only its owner reads and a public key, and will not overwrite them', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const run = await runCli(['keygen', 'team'], tmp.path);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /key id [0-9a-f]{16}/);
  assert.equal(statSync(join(tmp.path, 'team.key')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(tmp.path, 'team.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
  const again = await runCli(['keygen', 'team'], tmp.path);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /EEXIST|exists/);
});

test('hotswap build --sign and hotswap hotfix build --sign sign what they write; a bad key file is refused before building', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  assert.equal((await runCli(['keygen', 'team'], tmp.path)).code, 0);
  const trusted = trustedKeySet([readFileSync(join(tmp.path, 'team.pub'), 'utf8')]);

  writePlugin(join(tmp.path, 'plugins'), 'alpha', { 'index.ts': "import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({});\n" });
  const build = await runCli(['build', '--sign', 'team.key', 'plugins/alpha', 'out'], tmp.path);
  assert.equal(build.code, 0, build.stderr);
  const manifestFile = join(tmp.path, 'out', manifestFileName('alpha'));
  const manifest = parseManifest(readFileSync(manifestFile, 'utf8'), manifestFile);
  assert.doesNotThrow(() => verifySignature(manifest, trusted, { kind: 'plugin', name: 'alpha' }));

  mkdirSync(join(tmp.path, 'release'));
  writeFileSync(join(tmp.path, 'release', 'app.js'), 'export function f() { return 1; }\n');
  writeFileSync(join(tmp.path, 'app.js'), 'export function f() { return 2; }\n');
  const patchRun = await runCli(['hotfix', 'build', '--sign', 'team.key', '--version', 'fix-1', '--base-dir', 'release', '--out', 'fix-1.json', 'app.js'], tmp.path);
  assert.equal(patchRun.code, 0, patchRun.stderr);
  assert.match(patchRun.stdout, /signed/);
  const patch = JSON.parse(readFileSync(join(tmp.path, 'fix-1.json'), 'utf8')) as object;
  assert.doesNotThrow(() => verifySignature(patch, trusted, { kind: 'patch', name: 'fix-1' }));

  // The public key is no signing key.
  const wrong = await runCli(['build', '--sign', 'team.pub', 'plugins/alpha', 'out2'], tmp.path);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /team\.pub is not a readable private key/);
});
