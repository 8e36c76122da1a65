/** The program side of `hotswap run`'s lifeline: when it holds one, and its last resort. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { holdLifeline, LIFELINE_ENV } from '../../../src/cli/lifeline.js';
import { FollowedProcess, within } from '../../helpers/followed-process.js';

const LIFELINE_URL = new URL('../../../src/cli/lifeline.js', import.meta.url).href;

describe('lifeline', () => {
  it('is held only when its variable names a pipe, and the variable is removed either way', () => {
    assert.equal(holdLifeline({ env: {} }), false);
    const env: NodeJS.ProcessEnv = { [LIFELINE_ENV]: 'not-a-fd' };
    assert.equal(holdLifeline({ env }), false);
    assert.equal(env[LIFELINE_ENV], undefined);
  });

  it('makes a program whose SIGTERM handler does not end it exit (code 1) after the grace period', async (t) => {
    // The program ignores SIGTERM and keeps an interval: only the last resort can end it.
    const program = [
      `import { holdLifeline } from ${JSON.stringify(LIFELINE_URL)};`,
      'const held = holdLifeline({ graceMs: 200 });',
      "process.on('SIGTERM', () => console.log('sigterm'));",
      "process.on('exit', (code) => console.log('exit ' + code));",
      'setInterval(() => {}, 1000);',
      'console.log(JSON.stringify({ held }));',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, [LIFELINE_ENV]: '3' },
    });
    const run = new FollowedProcess(child);
    t.after(async () => {
      if (run.isClosed) return;
      child.kill('SIGKILL');
      await run.closed;
    });
    assert.equal(await run.line(/"held"/, 30_000), '{"held":true}');
    // What the kernel does when the runner dies: its end of the pipe closes.
    child.stdio[3]?.destroy();
    const ended = await within(run.closed, 10_000, () => `the program still runs after its lifeline ended; stderr:\n${run.stderr}`);
    assert.deepEqual(ended, { code: 1, signal: null }, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n').slice(1), ['sigterm', 'exit 1']);
  });
});
