/**
 * `hotswap run`, run for real: the program's exit code passes through, signals are forwarded, and
 * a runner killed hard (SIGKILL) does not leave the program running.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { LIFELINE_ENV } from '../../../src/cli/lifeline.js';
import { makeTempDir, type TempDir } from '../../helpers/build-fixture.js';
import { FollowedProcess, within } from '../../helpers/followed-process.js';
import { CLI } from './run-cli.js';

/** Start-up through the TypeScript loader, on a busy machine. */
const START_MS = 30_000;
/** From the runner's SIGKILL to the program's end: well under the lifeline's grace period. */
const END_MS = 8_000;

const PROGRAMS = {
  // A server that runs until it is stopped; with --graceful, SIGTERM closes it.
  'server.ts': [
    "import { createServer } from 'node:http';",
    'const server = createServer((_req, res) => res.end("ok"));',
    'server.listen(0, () => console.log(JSON.stringify({ pid: process.pid })));',
    "if (process.argv.includes('--graceful')) {",
    "  process.on('SIGTERM', () => {",
    "    console.log('graceful');",
    '    server.close();',
    '  });',
    '}',
  ],
  // Prints and returns, with the exit code it is given.
  'done.ts': [
    `const lifeline: string | null = process.env[${JSON.stringify(LIFELINE_ENV)}] ?? null;`,
    'console.log(JSON.stringify({ pid: process.pid, lifeline }));',
    'process.exitCode = Number(process.argv[2] ?? 0);',
  ],
};

function killIfRunning(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

describe('hotswap run', () => {
  let tmp: TempDir;
  before(() => {
    tmp = makeTempDir('hotswap-cli-run-');
    for (const [name, lines] of Object.entries(PROGRAMS)) writeFileSync(join(tmp.path, name), lines.join('\n') + '\n');
  });
  after(() => tmp.cleanup());

  /**
   * `hotswap run ...args` with stdout and stderr as pipes that the program inherits: they close
   * only once the runner and the program are both gone. Killed by the end of the test if not.
   */
  const start = (t: TestContext, args: readonly string[]): FollowedProcess => {
    const run = new FollowedProcess(spawn(process.execPath, [CLI, 'run', ...args], { cwd: tmp.path, stdio: ['ignore', 'pipe', 'pipe'] }));
    t.after(async () => {
      if (run.isClosed) return;
      run.child.kill('SIGKILL');
      // Open pipes mean the program is still running: its pid is the one it printed.
      const pid = /"pid":(\d+)/.exec(run.stdout)?.[1];
      if (pid !== undefined) killIfRunning(Number(pid));
      await within(run.closed, END_MS, () => `hotswap run ${args.join(' ')}: still not gone after SIGKILL`);
    });
    return run;
  };

  const pidOf = async (run: FollowedProcess): Promise<number> => (JSON.parse(await run.line(/"pid"/, START_MS)) as { pid: number }).pid;

  it('ends the program when the runner is SIGKILLed', async (t) => {
    const run = start(t, ['server.ts']);
    const pid = await pidOf(run);
    run.child.kill('SIGKILL');
    const ended = await within(run.closed, END_MS, () => `the program (pid ${pid}) still runs after its runner was SIGKILLed`);
    assert.equal(ended.signal, 'SIGKILL'); // the runner's
  });

  it("runs the program's own SIGTERM handler when the runner is SIGKILLed", async (t) => {
    const run = start(t, ['server.ts', '--graceful']);
    const pid = await pidOf(run);
    run.child.kill('SIGKILL');
    await within(run.closed, END_MS, () => `the program (pid ${pid}) still runs after its runner was SIGKILLed`);
    assert.match(run.stdout, /^graceful$/m);
  });

  it('forwards a SIGTERM sent to the runner, and passes the exit code of the program that handled it', async (t) => {
    const run = start(t, ['server.ts', '--graceful']);
    await pidOf(run);
    run.child.kill('SIGTERM');
    const ended = await within(run.closed, END_MS, () => 'hotswap run still runs after a SIGTERM');
    assert.match(run.stdout, /^graceful$/m);
    assert.deepEqual(ended, { code: 0, signal: null });
  });

  it('lets a program that returns end at once, with its exit code, and without the lifeline variable', async (t) => {
    for (const code of [0, 3]) {
      const run = start(t, ['done.ts', String(code)]);
      const ended = await within(run.closed, START_MS, () => `a program that returned still runs: kept alive by its lifeline? ${run.stderr}`);
      assert.deepEqual(ended, { code, signal: null }, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { lifeline: string | null }).lifeline, null);
    }
  });

  it('refuses a program file that does not exist with a coded error, before starting anything', async (t) => {
    const run = start(t, ['sever.ts']);
    const ended = await within(run.closed, START_MS, () => 'hotswap run of a missing file did not end');
    assert.deepEqual(ended, { code: 1, signal: null });
    assert.match(run.stderr, /^error HOTSWAP_ERR_INPUT_UNREADABLE: the program sever\.ts does not exist: give the path of the \.ts or \.js file to run\n$/);
  });
});
