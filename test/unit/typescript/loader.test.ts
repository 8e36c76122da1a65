import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { readTransformRecord, sha256, transformTypeScript } from '../../../src/typescript/transform.js';
import { makeTempDir } from '../../helpers/build-fixture.js';

const cli = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

describe('TypeScript loader', () => {
  it('records how a file was transformed, and transforms the same source identically', () => {
    const source = 'export const twice = (n: number): number => (n * 2);\n';
    const first = transformTypeScript(source, '/app/util.ts');
    const again = transformTypeScript(source, '/app/util.ts');
    assert.equal(first.code, again.code);
    const record = readTransformRecord(first.code);
    assert.equal(record?.sourceHash, sha256(source));
    assert.equal(record?.loader, 'ts');
    assert.equal(readTransformRecord('console.log(1)\n'), undefined);
  });

  it('runs a TypeScript program with `hotswap run`: nodenext imports, source-mapped stacks, exit code', (t) => {
    const tmp = makeTempDir();
    t.after(tmp.cleanup);
    writeFileSync(
      join(tmp.path, 'util.ts'),
      'export function double(n: number): number {\n  if (n < 0) {\n    throw new Error("negative");\n  }\n  return n * 2;\n}\n',
    );
    writeFileSync(
      join(tmp.path, 'app.ts'),
      [
        "import { double } from './util.js';",
        'interface Box { n: number }',
        'const box: Box = { n: 21 };',
        "console.log('double', double(box.n), process.argv.slice(2).join(','));",
        'try { double(-1); } catch (e) { console.log((e as Error).stack?.split("\\n")[1]?.trim()); }',
        'process.exitCode = 7;',
        '',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [cli, 'run', 'app.ts', 'a', '--flag'], { cwd: tmp.path, encoding: 'utf8' });
    assert.equal(run.stderr, '');
    const [first, second] = run.stdout.trim().split('\n');
    assert.equal(first, 'double 42 a,--flag');
    assert.match(second ?? '', /util\.ts:3:\d+\)$/);
    assert.equal(run.status, 7);
  });
});
