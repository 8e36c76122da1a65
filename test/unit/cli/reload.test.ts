import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { DEFAULT_RELOAD_SIGNAL, sendReloadSignal } from '../../../src/cli/reload.js';
import { InvalidArgumentError, ProcessNotFoundError, SignalUnsupportedError } from '../../../src/errors.js';
import { makeTempDir } from '../../helpers/build-fixture.js';
import { runCli } from './run-cli.js';

// A stand-in host: says "ready" once its handlers are installed, then reports each signal it gets.
const HOST = `
for (const signal of ['SIGUSR2', 'SIGHUP']) process.on(signal, () => process.stdout.write('got ' + signal + '\\n'));
process.stdout.write('ready\\n');
setInterval(() => {}, 1 << 30);
`;

/** Resolves with the first line of the child's stdout that contains `text`. */
function lineContaining(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: string): void => {
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.includes(text));
      if (line !== undefined) {
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`host exited (${code}) before printing "${text}"`)));
  });
}

function startHost(t: { after(fn: () => void): void }): ChildProcess {
  const child = spawn(process.execPath, ['-e', HOST], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** The pid of a process that has exited: nothing answers to it. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  assert.ok(child.pid !== undefined);
  return child.pid;
}

const posix = process.platform !== 'win32';

test('hotswap reload --pid sends SIGUSR2 to the host', { skip: !posix && 'no signals on Windows' }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const host = startHost(t);
  await lineContaining(host, 'ready');
  const received = lineContaining(host, 'got ');

  const run = await runCli(['reload', '--pid', String(host.pid)], tmp.path);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `sent ${DEFAULT_RELOAD_SIGNAL} to pid ${host.pid}\n`);
  assert.equal(await received, `got ${DEFAULT_RELOAD_SIGNAL}`);
});

test('hotswap reload --signal sends the named signal', { skip: !posix && 'no signals on Windows' }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const host = startHost(t);
  await lineContaining(host, 'ready');
  const received = lineContaining(host, 'got ');

  const run = await runCli(['reload', '--pid', String(host.pid), '--signal', 'hup'], tmp.path);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `sent SIGHUP to pid ${host.pid}\n`);
  assert.equal(await received, 'got SIGHUP');
});

test('hotswap reload against a pid nobody has fails with HOTSWAP_ERR_PROCESS_NOT_FOUND', { skip: !posix && 'no signals on Windows' }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const pid = await deadPid();
  const run = await runCli(['reload', '--pid', String(pid)], tmp.path);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `error HOTSWAP_ERR_PROCESS_NOT_FOUND: no process with pid ${pid} can be signalled\n`);
});

test('hotswap reload refuses a pid that is not a positive integer', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  // 0 and -1 would address process groups / every process.
  for (const pid of ['0', '-1', 'abc']) {
    const run = await runCli(['reload', '--pid', pid], tmp.path);
    assert.notEqual(run.code, 0, pid);
    assert.equal(run.stdout, '');
  }
});

test('sendReloadSignal refuses Windows, unknown signals and bad pids before signalling', async () => {
  const pid = await deadPid();
  assert.throws(() => sendReloadSignal(pid, 'SIGUSR2', 'win32'), SignalUnsupportedError);
  assert.throws(() => sendReloadSignal(pid, 'SIGNOPE', 'linux'), InvalidArgumentError);
  assert.throws(() => sendReloadSignal(0, 'SIGUSR2', 'linux'), InvalidArgumentError);
  if (posix) assert.throws(() => sendReloadSignal(pid, 'usr2', 'linux'), ProcessNotFoundError);
});
