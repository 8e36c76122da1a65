/**
 * Instrumenting does not change what a program does, on a large real one: the TypeScript compiler
 * (its 9 MB of JavaScript, thousands of functions of every shape) type-checks a file through
 * hotswap's loader with its own package instrumented, and reports exactly what it reports without.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../helpers/build-fixture.js';
import { TEST_MS, withTimeout } from '../helpers/timeout.js';

const REGISTER = new URL('../../src/typescript/register.js', import.meta.url).href;
const TSC = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');

/** Prints, at exit, how many modules of the typescript package the redirection runtime holds. */
const COUNT = `process.on('exit', () => {
  const runtime = globalThis[Symbol.for('hotswap.redirect')];
  const count = runtime === undefined ? 0 : [...runtime.modules.keys()].filter((path) => path.includes('typescript')).length;
  process.stderr.write('instrumented:' + count + '\\n');
});
`;

function run(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return withTimeout(exited, 90_000, () => `tsc ${args.join(' ')} to exit; stderr so far: ${stderr.slice(-500)}`).finally(() => child.kill('SIGKILL'));
}

test('the TypeScript compiler, instrumented whole, reports the same diagnostics', { timeout: TEST_MS }, async (t) => {
  const dir = makeTempDir('hotswap-large-');
  t.after(dir.cleanup);
  writeFileSync(join(dir.path, 'a.ts'), 'const a: number = "x";\nexport function f(n: number) { return n.toFixed(2); }\nf("y");\nexport class C { #p = 1; get p() { return this.#p; } }\n');
  writeFileSync(join(dir.path, 'count.cjs'), COUNT);
  const args = [TSC, '--noEmit', '--strict', '--target', 'es2022', 'a.ts'];
  const plain = await run(args, { HOTSWAP_REDIRECT: '', HOTSWAP_REDIRECT_PACKAGES: '' }, dir.path);
  const instrumented = await run(['--import', REGISTER, '--require', './count.cjs', ...args], { HOTSWAP_REDIRECT: '', HOTSWAP_REDIRECT_PACKAGES: 'typescript' }, dir.path);
  assert.equal(plain.code, 2, plain.stdout + plain.stderr);
  assert.match(plain.stdout, /TS2322/);
  assert.equal(instrumented.code, plain.code, instrumented.stderr);
  assert.equal(instrumented.stdout, plain.stdout);
  assert.doesNotMatch(instrumented.stderr, /runs without redirection/);
  const count = Number(/instrumented:(\d+)/.exec(instrumented.stderr)?.[1] ?? '0');
  assert.ok(count >= 1, `the compiler's files were instrumented: ${instrumented.stderr}`);
});
