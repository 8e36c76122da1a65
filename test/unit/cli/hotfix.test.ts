/** `hotswap hotfix build`, run for real: the patch artifact, and the source maps it carries. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import type { Patch } from '../../../src/hotfix/types.js';
import { sha256 } from '../../../src/typescript/transform.js';
import { makeTempDir, type TempDir } from '../../helpers/build-fixture.js';
import { runCli } from './run-cli.js';

describe('hotswap hotfix build', () => {
  let tmp: TempDir;
  let running: string;
  before(() => {
    tmp = makeTempDir('hotswap-cli-hotfix-');
    // The checkout (src/, dist/ rebuilt with the fix) and a copy of the release that runs.
    const build = (outdir: string, body: string) => {
      mkdirSync(join(tmp.path, 'src'), { recursive: true });
      writeFileSync(join(tmp.path, 'src', 'app.ts'), `export function answer(): number {\n  ${body}\n}\n`);
      buildSync({ entryPoints: [join(tmp.path, 'src', 'app.ts')], outdir, format: 'cjs', platform: 'node', sourcemap: true, logLevel: 'silent' });
    };
    build(join(tmp.path, 'release', 'dist'), 'return 41;');
    running = readFileSync(join(tmp.path, 'release', 'dist', 'app.js'), 'utf8');
    build(join(tmp.path, 'dist'), 'return 42;');
  });
  after(() => tmp.cleanup());

  const read = (name: string) => JSON.parse(readFileSync(join(tmp.path, name), 'utf8')) as Patch;

  it('writes the patch with the base hash, the new source and the map the new file names', async () => {
    const run = await runCli(['hotfix', 'build', '--version', 'fix-1', '--base-dir', 'release', '--out', 'fix-1.json', 'dist/app.js'], tmp.path);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /patch fix-1: 1 file\(s\)/);
    const patch = read('fix-1.json');
    assert.equal(patch.version, 'fix-1');
    const [file] = patch.files;
    // Relative to the root (the current directory here), so it applies wherever the app runs.
    assert.equal(file?.file, 'dist/app.js');
    assert.equal(file.baseHash, sha256(running));
    assert.match(file.source, /return 42/);
    assert.equal(file.sourceMap, readFileSync(join(tmp.path, 'dist', 'app.js.map'), 'utf8'));
  });

  it('leaves the map out with --no-source-map', async () => {
    const run = await runCli(['hotfix', 'build', '--version', 'fix-2', '--base-dir', 'release', '--out', 'fix-2.json', '--no-source-map', 'dist/app.js'], tmp.path);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(read('fix-2.json').files[0]?.sourceMap, undefined);
  });

  it('refuses, with a coded error, a new file whose named map is not there', async () => {
    mkdirSync(join(tmp.path, 'nomap'), { recursive: true });
    mkdirSync(join(tmp.path, 'release', 'nomap'), { recursive: true });
    writeFileSync(join(tmp.path, 'release', 'nomap', 'b.js'), 'function b() { return 1; }\n');
    writeFileSync(join(tmp.path, 'nomap', 'b.js'), 'function b() { return 2; }\n//# sourceMappingURL=b.js.map\n');
    const run = await runCli(['hotfix', 'build', '--version', 'fix-3', '--base-dir', 'release', '--out', 'fix-3.json', 'nomap/b.js'], tmp.path);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /HOTSWAP_ERR_HOTFIX_INVALID: .*b\.js\.map cannot be read \(ENOENT\)/);
  });

  it('refuses mistyped paths with a coded error naming the path and what to do, and writes nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--base-dir', 'relase', 'dist/app.js'], /^error HOTSWAP_ERR_INPUT_UNREADABLE: --base-dir \S*relase does not exist: give a copy of the code that runs now/],
      [['--base-dir', 'release', 'dist/ap.js'], /^error HOTSWAP_ERR_INPUT_UNREADABLE: the changed file \S*dist\/ap\.js does not exist/],
      [['--base-dir', 'release', 'dist'], /^error HOTSWAP_ERR_INPUT_UNREADABLE: the changed file \S*dist is a directory, not a file/],
      [['--base-dir', 'release', '--root', 'nowhere', 'dist/app.js'], /^error HOTSWAP_ERR_INPUT_UNREADABLE: --root \S*nowhere does not exist/],
      [['--base-dir', 'release', '--root', 'src', 'dist/app.js'], /^error HOTSWAP_ERR_INVALID_ARGUMENT: invalid --root: dist\/app\.js is not inside \S*src: give --root a directory/],
      [['--base-dir', 'release', '--init', 'init.js', 'dist/app.js'], /^error HOTSWAP_ERR_INPUT_UNREADABLE: the init file init\.js does not exist/],
      [['--base-dir', 'src', 'dist/app.js'], /^error HOTSWAP_ERR_INPUT_UNREADABLE: the running copy of \S*src\/dist\/app\.js does not exist: the base directory must hold the code that runs now/],
    ];
    for (const [args, expected] of cases) {
      const run = await runCli(['hotfix', 'build', '--version', 'typo', '--out', 'typo.json', ...args], tmp.path);
      assert.equal(run.code, /INVALID_ARGUMENT/.test(String(expected)) ? 2 : 1, args.join(' '));
      assert.match(run.stderr, expected, args.join(' '));
      assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, args.join(' '));
    }
    const noDir = await runCli(['hotfix', 'build', '--version', 'typo', '--out', 'no/such/dir/p.json', '--base-dir', 'release', 'dist/app.js'], tmp.path);
    assert.match(noDir.stderr, /^error HOTSWAP_ERR_INPUT_UNREADABLE: the directory of --out \S*no\/such\/dir does not exist: create it first/);
    assert.throws(() => readFileSync(join(tmp.path, 'typo.json')), /ENOENT/);
  });

  it('accepts --no-sourcemap as an alias of --no-source-map', async () => {
    const run = await runCli(['hotfix', 'build', '--version', 'fix-4', '--base-dir', 'release', '--out', 'fix-4.json', '--no-sourcemap', 'dist/app.js'], tmp.path);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(read('fix-4.json').files[0]?.sourceMap, undefined);
  });

  it('marks its required options in --help', async () => {
    const run = await runCli(['hotfix', 'build', '--help'], tmp.path);
    for (const option of ['--version', '--out', '--base-dir']) assert.match(run.stdout, new RegExp(`${option} <[^>]+>\\s+\\(required\\)`), option);
  });
});

describe('a patch built in one checkout applies to the same app running from another directory', () => {
  const ENGINE = new URL('../../../src/hotfix/index.js', import.meta.url).href;
  // The app's host: loads dist/app.js, and applies the patch file named on stdin with an engine
  // whose root is its own working directory (the default).
  const HOST = `
const { createHotfixEngine } = await import(${JSON.stringify(ENGINE)});
const { createRequire } = await import('node:module');
const { readFileSync } = await import('node:fs');
const app = createRequire(process.cwd() + '/')('./dist/app.js');
const engine = createHotfixEngine();
let input = '';
process.stdin.setEncoding('utf8').on('data', (chunk) => (input += chunk)).on('end', async () => {
  const before = app.answer();
  const outcome = await engine.apply(JSON.parse(readFileSync(input.trim(), 'utf8')));
  process.stdout.write(JSON.stringify({ before, after: app.answer(), ok: outcome.ok, error: outcome.ok ? undefined : outcome.error.message }) + '\\n');
  await engine.close();
});
`;

  it('resolves the relative file names against the running process\'s root', async (t) => {
    const tmp = makeTempDir('hotswap-cli-hotfix-roots-');
    t.after(tmp.cleanup);
    // The developer's checkout: the release (what runs) and the fixed code.
    const checkout = join(tmp.path, 'checkout');
    mkdirSync(join(checkout, 'release', 'dist'), { recursive: true });
    mkdirSync(join(checkout, 'dist'), { recursive: true });
    const source = (n: number) => `exports.answer = function answer() {\n  return ${n};\n};\n`;
    writeFileSync(join(checkout, 'release', 'dist', 'app.js'), source(41));
    writeFileSync(join(checkout, 'dist', 'app.js'), source(42));
    const built = await runCli(['hotfix', 'build', '--version', 'moved', '--base-dir', 'release', '--out', 'moved.json', 'dist/app.js'], checkout);
    assert.equal(built.code, 0, built.stderr);
    // The server: a copy of the release somewhere else entirely.
    const server = join(tmp.path, 'srv', 'app-1.4.2');
    mkdirSync(join(server, 'dist'), { recursive: true });
    writeFileSync(join(server, 'dist', 'app.js'), source(41));
    writeFileSync(join(server, 'host.mjs'), HOST);
    const child = spawn(process.execPath, ['host.mjs'], { cwd: server, stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    child.stdin.end(join(checkout, 'moved.json'));
    const [stdout, stderr] = await Promise.all([text(child.stdout), text(child.stderr)]);
    assert.deepEqual(JSON.parse(stdout), { before: 41, after: 42, ok: true }, stderr);
  });
});

function text(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (data += chunk));
    stream.on('end', () => resolve(data));
    stream.on('error', reject);
  });
}
