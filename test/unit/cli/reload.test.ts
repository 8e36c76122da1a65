import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_RELOAD_SIGNAL, sendReloadSignal } from '../../../src/cli/reload.js';
import { writeRecord, describeThisProcess } from '../../../src/discovery/host-record.js';
import { InvalidArgumentError, NotAHostError, ProcessNotFoundError, SignalUnsupportedError } from '../../../src/errors.js';
import { CLI, run } from '../../../examples/shared/processes.js';
import { makeTempDir } from '../../helpers/build-fixture.js';

const INDEX = new URL('../../../src/index.js', import.meta.url).href;

// A real host: a PluginManager reloading on SIGUSR2 and SIGHUP (its reloads fail, nothing is
// loaded: what matters is that the signals arrive); says "ready" once it listens.
const HOST = `
import { PluginManager } from ${JSON.stringify(INDEX)};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const manager = new PluginManager({ pluginDir: '.', logger: silent });
for (const signal of ['SIGUSR2', 'SIGHUP']) {
  manager.reloadOnSignal(signal);
  process.on(signal, () => process.stdout.write('got ' + signal + '\\n'));
}
process.stdout.write('ready\\n');
setInterval(() => {}, 1 << 30);
`;

// A process that never heard of hotswap: SIGUSR2 would terminate it.
const BYSTANDER = `process.stdout.write('ready\\n'); setInterval(() => {}, 1 << 30);`;

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
    child.once('exit', (code, signal) => reject(new Error(`process exited (${signal ?? code}) before printing "${text}"`)));
  });
}

interface Sandbox {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly runtimeDir: string;
}

/** A temp dir for the processes and a private runtime dir, so other hosts on the machine do not count. */
function sandbox(t: { after(fn: () => void): void }): Sandbox {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const runtimeDir = join(tmp.path, 'runtime');
  return { cwd: tmp.path, runtimeDir, env: { ...process.env, HOTSWAP_RUNTIME_DIR: runtimeDir, HOTSWAP_NAME: 'reload-test-host' } };
}

async function start(t: { after(fn: () => void): void }, box: Sandbox, source: string): Promise<ChildProcess> {
  const script = join(box.cwd, `process-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, source);
  const child = spawn(process.execPath, [script], { cwd: box.cwd, env: box.env, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await lineContaining(child, 'ready');
  return child;
}

const reload = (box: Sandbox, args: readonly string[]) => run(process.execPath, [CLI, 'reload', ...args], box.cwd, box.env);

/** The pid of a process that has exited: nothing answers to it. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  assert.ok(child.pid !== undefined);
  return child.pid;
}

const posix = process.platform !== 'win32';
const noSignals = !posix && 'no signals on Windows';

test('hotswap reload <pid> sends the signal the host listens for, and says a signal reports no outcome', { skip: noSignals }, async (t) => {
  const box = sandbox(t);
  const host = await start(t, box, HOST);
  const received = lineContaining(host, 'got ');
  const result = await reload(box, [String(host.pid)]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^sent ${DEFAULT_RELOAD_SIGNAL} to reload-test-host \\(pid ${host.pid}\\): a signal reports no outcome`));
  assert.equal(await received, `got ${DEFAULT_RELOAD_SIGNAL}`);
});

test('hotswap reload finds the host by name, by --pid, and alone with no target', { skip: noSignals }, async (t) => {
  const box = sandbox(t);
  const host = await start(t, box, HOST);
  for (const args of [['reload-test-host'], ['--pid', String(host.pid)], []]) {
    const received = lineContaining(host, 'got ');
    const result = await reload(box, args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(await received, `got ${DEFAULT_RELOAD_SIGNAL}`);
  }
});

test('hotswap reload --signal sends another signal the host listens for', { skip: noSignals }, async (t) => {
  const box = sandbox(t);
  const host = await start(t, box, HOST);
  const received = lineContaining(host, 'got ');
  const result = await reload(box, [String(host.pid), '--signal', 'hup']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await received, 'got SIGHUP');
});

test('hotswap reload never signals a process that is not a listening hotswap host', { skip: noSignals }, async (t) => {
  const box = sandbox(t);
  const bystander = await start(t, box, BYSTANDER);
  const result = await reload(box, [String(bystander.pid)]);
  assert.equal(result.code, 3, 'target not found');
  assert.match(result.stderr, new RegExp(`^error HOTSWAP_ERR_NOT_A_HOST: process ${bystander.pid} is not a hotswap host`));
  assert.equal(result.stdout, '');
  // Still alive: SIGUSR2's default action would have terminated it.
  assert.equal(bystander.exitCode, null);
  assert.equal(bystander.signalCode, null);
  process.kill(bystander.pid as number, 0);
});

test('hotswap reload refuses a signal the host does not listen for', { skip: noSignals }, async (t) => {
  const box = sandbox(t);
  const host = await start(t, box, HOST);
  const result = await reload(box, [String(host.pid), '--signal', 'SIGTERM']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error HOTSWAP_ERR_SIGNAL_NOT_HANDLED: reload-test-host \(pid \d+\) does not reload on SIGTERM \(it listens for SIGHUP, SIGUSR2\)/);
  assert.equal(host.exitCode, null);
});

test('hotswap reload: unknown names, several hosts, and dead pids are refused with codes', { skip: noSignals }, async (t) => {
  const box = sandbox(t);
  const none = await reload(box, []);
  assert.equal(none.code, 3, 'target not found');
  assert.match(none.stderr, /^error HOTSWAP_ERR_HOST_NOT_FOUND: no hotswap host runs for this user on this machine \(none is running/);

  const first = await start(t, box, HOST);
  const second = await start(t, box, HOST);
  const unknown = await reload(box, ['no-such-host']);
  assert.equal(unknown.code, 3, 'target not found');
  assert.match(unknown.stderr, /^error HOTSWAP_ERR_HOST_NOT_FOUND: no hotswap host named "no-such-host" .*running: reload-test-host \(pid \d+\), reload-test-host/);
  for (const args of [[], ['reload-test-host']]) {
    const ambiguous = await reload(box, args);
    assert.equal(ambiguous.code, 2, 'a usage error: the target must be made precise');
    assert.match(ambiguous.stderr, new RegExp(`^error HOTSWAP_ERR_HOST_AMBIGUOUS: .*pid ${first.pid}.*pid ${second.pid}.*give a pid`));
  }

  const pid = await deadPid();
  const dead = await reload(box, [String(pid)]);
  assert.equal(dead.code, 3, 'target not found');
  assert.equal(dead.stderr, `error HOTSWAP_ERR_PROCESS_NOT_FOUND: no process with pid ${pid} can be signalled\n`);
});

test('a host removes its record when it exits; a record left by a killed host is cleaned up by the next reader', { skip: noSignals }, async (t) => {
  const box = sandbox(t);
  const host = await start(t, box, HOST);
  assert.deepEqual(readdirSync(box.runtimeDir), [`${host.pid}.json`]);
  host.kill('SIGKILL');
  await once(host, 'exit');
  // Killed: its record stays until someone reads it.
  assert.deepEqual(readdirSync(box.runtimeDir), [`${host.pid}.json`]);
  const result = await reload(box, [String(host.pid)]);
  assert.match(result.stderr, /HOTSWAP_ERR_PROCESS_NOT_FOUND/);
  assert.deepEqual(readdirSync(box.runtimeDir), []);

  // A host that exits normally takes its record with it.
  const script = join(box.cwd, 'brief.mjs');
  writeFileSync(script, HOST.replace('setInterval(() => {}, 1 << 30);', "process.stdout.write(require('node:fs').readdirSync(process.env.HOTSWAP_RUNTIME_DIR).join() + '\\n'); process.exit(0);").replace('import {', "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\nimport {"));
  const brief = await run(process.execPath, [script], box.cwd, box.env);
  assert.equal(brief.code, 0, brief.stderr);
  assert.match(brief.stdout, /ready\n\d+\.json\n/, 'the record existed while it ran');
  assert.deepEqual(readdirSync(box.runtimeDir), []);
});

test('a stale record whose pid now belongs to another process is not trusted', { skip: process.platform !== 'linux' && 'start times are read from /proc' }, async (t) => {
  const box = sandbox(t);
  const bystander = await start(t, box, BYSTANDER);
  // A record as a host would have written it, but with another process's start time on this pid.
  const record = { ...describeThisProcess(['SIGUSR2']), pid: bystander.pid as number, startTicks: '1' };
  mkdirSync(box.runtimeDir, { recursive: true });
  writeRecord(box.runtimeDir, record);
  assert.throws(() => sendReloadSignal({ target: bystander.pid, runtimeDir: box.runtimeDir }), NotAHostError);
  assert.equal(bystander.exitCode, null);
  assert.deepEqual(readdirSync(box.runtimeDir), []);
});

test('hotswap reload refuses a pid that is not a positive integer', async (t) => {
  const box = sandbox(t);
  // 0 and -1 would address process groups / every process.
  for (const pid of ['0', '-1', 'abc']) {
    const result = await reload(box, ['--pid', pid]);
    assert.notEqual(result.code, 0, pid);
    assert.equal(result.stdout, '');
  }
});

test('sendReloadSignal refuses Windows, unknown signals and bad pids before signalling', async () => {
  const pid = await deadPid();
  assert.throws(() => sendReloadSignal({ target: pid, platform: 'win32' }), SignalUnsupportedError);
  assert.throws(() => sendReloadSignal({ target: pid, signal: 'SIGNOPE', platform: 'linux' }), InvalidArgumentError);
  assert.throws(() => sendReloadSignal({ target: 0, platform: 'linux' }), InvalidArgumentError);
  if (posix) assert.throws(() => sendReloadSignal({ target: pid, platform: 'linux', runtimeDir: '/nonexistent-hotswap-dir' }), ProcessNotFoundError);
});
