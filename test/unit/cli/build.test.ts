import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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

test('--no-source-map (and its alias --no-sourcemap) leaves the map out; --help names the two arguments', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });
  for (const flag of ['--no-source-map', '--no-sourcemap']) {
    const run = await runCli(['build', flag, 'p', 'out'], tmp.path);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readManifest(join(tmp.path, 'out'), 'p').sourcemap, false, flag);
  }
  const mapped = await runCli(['build', 'p', 'out'], tmp.path);
  assert.equal(mapped.code, 0, mapped.stderr);
  assert.equal(readManifest(join(tmp.path, 'out'), 'p').sourcemap, true);

  const help = await runCli(['build', '--help'], tmp.path);
  assert.match(help.stdout, /Arguments:\n\s+pluginDir\s+one or more plugin directories[^]*\n\s+outputDir\s+where the artifacts/);
  assert.match(help.stdout, /--no-source-map/);
  assert.doesNotMatch(help.stdout, /paths/);
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
  assert.equal(run.code, 2, 'a usage error');
  assert.match(run.stderr, /output directory/);
});

const LIVE_PLUGIN = `import { definePlugin } from 'hotswap/plugin';
import './jobs/send';
export default definePlugin({});
`;

test('--live-prefix sets the prefix the live names are found by', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'p', {
    'index.ts': LIVE_PLUGIN,
    'jobs/send.ts': 'export function live_send(): void {}\nexport function HOT_send(): void {}\nexport class HotType {}\n',
  });
  const defaults = await runCli(['build', 'p', 'out'], tmp.path);
  assert.equal(defaults.code, 0, defaults.stderr);
  assert.deepEqual(readManifest(join(tmp.path, 'out'), 'p').live, { prefix: 'live_', functions: ['live_send'], types: [] });

  const custom = await runCli(['build', '--live-prefix', 'hot', 'p', 'out'], tmp.path);
  assert.equal(custom.code, 0, custom.stderr);
  assert.deepEqual(readManifest(join(tmp.path, 'out'), 'p').live, { prefix: 'hot', functions: ['HOT_send'], types: ['HotType'] });

  const invalid = await runCli(['build', '--live-prefix', 'no-way', 'p', 'out'], tmp.path);
  assert.equal(invalid.code, 2, 'a usage error');
  assert.match(invalid.stderr, /^error HOTSWAP_ERR_INVALID_ARGUMENT: invalid livePrefix: /);
});

test('a duplicate live name prints its code and both modules, and exits 1', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'p', {
    'index.ts': LIVE_PLUGIN + "import './other';\n",
    'jobs/send.ts': 'export function live_send(): void {}\n',
    'other.ts': 'export function Live_Send(): void {}\n',
  });
  const run = await runCli(['build', 'p', 'out'], tmp.path);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error HOTSWAP_ERR_DUPLICATE_LIVE_NAME: .*plugin p \(jobs\/send\.ts\).*plugin p \(other\.ts\) as Live_Send/);
});

test('hotswap build --static-linking writes static-plugins.ts and prints what it linked', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(join(tmp.path, 'plugins'), 'alpha', {
    'index.ts': LIVE_PLUGIN,
    'jobs/send.ts': 'export const live_send = (): string => "sent";\nexport class Live_Job {}\n',
  });
  writePlugin(join(tmp.path, 'plugins'), 'beta', { 'index.ts': PLUGIN });

  const run = await runCli(
    ['build', '--static-linking', '--version', '2.1.0', 'plugins/alpha', 'plugins/beta', 'src/generated'],
    tmp.path,
  );
  assert.equal(run.code, 0, run.stderr);
  const file = join(tmp.path, 'src', 'generated', 'static-plugins.ts');
  assert.deepEqual(run.stdout.trimEnd().split('\n'), [
    'linked alpha (1 live function, 1 live type)',
    'linked beta (0 live functions, 0 live types)',
    `wrote ${file}`,
  ]);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\/\/ Generated by `hotswap build --static-linking`/);
  assert.match(text, /^import alpha from '\.\.\/\.\.\/plugins\/alpha\/index\.js';$/m);
  assert.match(text, /^import \{ Live_Job as alpha__Live_Job, live_send as alpha__live_send \} from '\.\.\/\.\.\/plugins\/alpha\/jobs\/send\.js';$/m);
  assert.match(text, /\{ name: 'beta', version: '2\.1\.0', definition: beta, live: \{ functions: \{\}, types: \{\} \} \}/);
  // No artifacts: the host's own build compiles the plugins.
  assert.deepEqual(readdirSync(join(tmp.path, 'src', 'generated')), ['static-plugins.ts']);
});

test('--static-linking refuses options that only apply to artifacts', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writePlugin(tmp.path, 'p', { 'index.ts': PLUGIN });
  for (const [flag, named] of [['--watch'], ['--bundle-deps'], ['--no-source-map'], ['--no-sourcemap', '--no-source-map']] as const) {
    const run = await runCli(['build', '--static-linking', flag, 'p', 'out'], tmp.path);
    assert.equal(run.code, 2, flag);
    assert.match(run.stderr, new RegExp(`${named ?? flag} cannot be used with --static-linking`));
  }
});
