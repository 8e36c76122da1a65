import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ARTIFACT_PARAMETERS, stableArtifactPath } from '../../../src/artifact/format.js';
import { buildPlugins } from '../../../src/build/index.js';
import { makeTempDir, writePlugin } from '../../helpers/build-fixture.js';

// Compiles the artifact exactly as the runtime does and prints the stack of what it throws.
const RUNNER = `'use strict';
const { readFileSync } = require('node:fs');
const { dirname } = require('node:path');
const [artifact, sourceURL, parameters, fn] = process.argv.slice(2);
const body = new Function(...JSON.parse(parameters), readFileSync(artifact, 'utf8') + '\\n//# sourceURL=' + sourceURL);
const mod = { exports: {} };
body(mod, mod.exports, require, sourceURL, dirname(sourceURL));
try {
  mod.exports.default.functions[fn]();
} catch (error) {
  process.stdout.write(error.stack);
}
`;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`runner exited ${code}: ${out}`))));
  });
}

test('stack traces of an artifact compiled with new Function name the original .ts lines', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'mapped', {
    // Line 7 of index.ts and line 3 of lib/fail.ts throw.
    'index.ts': `import { definePlugin } from 'hotswap/plugin';
import { failDeep } from './lib/fail';

interface Unused { a: number }

function failHere(): never {
  throw new Error('from index');
}

export default definePlugin({ functions: { failHere, failDeep } });
`,
    'lib/fail.ts': `type Pad = string;
export function failDeep(): never {
  throw new Error('from lib' as Pad);
}
`,
  });
  const outDir = join(tmp.path, 'out');
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir });
  assert.ok(result);
  const runner = join(tmp.path, 'runner.cjs');
  writeFileSync(runner, RUNNER);
  const args = (fn: string): string[] => [
    '--enable-source-maps',
    runner,
    result.artifactPath,
    stableArtifactPath(outDir, 'mapped'),
    JSON.stringify(ARTIFACT_PARAMETERS),
    fn,
  ];

  const fromIndex = await run(args('failHere'));
  assert.match(fromIndex, /from index/);
  assert.match(fromIndex, /mapped[\\/]index\.ts:7:\d+/, fromIndex);

  const fromLib = await run(args('failDeep'));
  assert.match(fromLib, /mapped[\\/]lib[\\/]fail\.ts:3:\d+/, fromLib);
});
