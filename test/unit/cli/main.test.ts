/** The exit codes every verb shares: 0 done, 1 refused or failed, 2 usage error, 3 target not found. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOTSWAP_VERSION } from '../../../src/version.js';
import { makeTempDir } from '../../helpers/build-fixture.js';
import { runCli } from './run-cli.js';

test('usage errors exit 2; --help and --version exit 0', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  for (const args of [['nosuchverb'], ['build', '--no-such-option', 'p', 'out'], ['hotfix', 'build', 'a.js'], ['reload', '1', '--pid', '1']]) {
    const run = await runCli(args, tmp.path);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^error: /, args.join(' '));
  }
  const help = await runCli(['build', '--help'], tmp.path);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: hotswap build \[options\] <pluginDir\.\.\.> <outputDir>/);
  const version = await runCli(['--version'], tmp.path);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${HOTSWAP_VERSION}\n`);
});

test('a failed verb exits 1 with one coded line and no stack trace', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const run = await runCli(['build', 'no-such-plugin', 'out'], tmp.path);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error HOTSWAP_ERR_PLUGIN_DIR_MISSING: plugin directory not found: \S*no-such-plugin\n$/);
});
