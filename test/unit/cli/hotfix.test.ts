/** `hotswap hotfix build`, run for real: the patch artifact, and the source maps it carries. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
    assert.equal(file?.file, join(tmp.path, 'dist', 'app.js'));
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
});
