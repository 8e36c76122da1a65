/**
 * The control plane end to end: a real host process with a control server and a hotfix engine,
 * operated by the real `hotswap` CLI over its socket: status, ps, hotfix apply / list / revert,
 * the outcome of a refused patch, a target that does not exist, and `--json` output.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { CLI, run, type CliResult } from '../../examples/shared/processes.js';
import { buildPlugins } from '../../src/build/index.js';
import { makeTempDir, writePlugin } from '../helpers/build-fixture.js';
import { pluginSource } from '../helpers/plugin-source.js';
import { TEST_MS, WAIT_MS, withTimeout } from '../helpers/timeout.js';

const CONTROL = new URL('../../src/control/index.js', import.meta.url).href;
const HOTFIX = new URL('../../src/hotfix/index.js', import.meta.url).href;

const APP = 'exports.answer = function answer() { return 1; };\n';

// A host: a control server with a hotfix engine; prints "ready" once it answers, and answers "ask" on stdin.
const HOST = `
import { createRequire } from 'node:module';
import { startControl } from ${JSON.stringify(CONTROL)};
import { createHotfixEngine } from ${JSON.stringify(HOTFIX)};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const app = createRequire(import.meta.url)('./app.cjs');
await startControl({ hotfix: createHotfixEngine({ logger: silent }), logger: silent });
process.stdout.write('ready\\n');
process.stdin.setEncoding('utf8').on('data', () => process.stdout.write('answer ' + app.answer() + '\\n'));
`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The child's stdout, followed: `next(pattern)` resolves with the first match in what it prints
 * from now on, bounded; it fails naming the pattern and what was printed.
 */
function follow(child: { readonly stdout: Readable } & Pick<ChildProcess, 'once'>): { readonly next: (pattern: RegExp) => Promise<RegExpExecArray> } {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return {
    next: (pattern) =>
      withTimeout(
        new Promise<RegExpExecArray>((resolve, reject) => {
          const from = out.length;
          const check = (): void => {
            const match = pattern.exec(out.slice(from));
            if (match === null) return;
            child.stdout.off('data', check);
            resolve(match);
          };
          child.stdout.on('data', check);
          child.once('exit', (code) => reject(new Error(`the process exited (${String(code)}) before printing ${String(pattern)}: ${out}`)));
        }),
        WAIT_MS,
        () => `the process to print ${String(pattern)}; it printed: ${out}`,
      ),
  };
}

test('status, ps and hotfix verbs operate a running host over its control socket', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const runtimeDir = join(tmp.path, 'runtime');
  const env = { ...process.env, HOTSWAP_RUNTIME_DIR: runtimeDir, HOTSWAP_NAME: 'control-e2e' };
  writeFileSync(join(tmp.path, 'app.cjs'), APP);
  writeFileSync(join(tmp.path, 'host.mjs'), HOST);
  const host = spawn(process.execPath, ['host.mjs'], { cwd: tmp.path, env, stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => host.kill('SIGKILL'));
  const output = follow(host);
  /** Asks the host for app.answer() and waits for its answer line. */
  const ask = async (): Promise<string> => {
    const answered = output.next(/answer (\d+)\n/);
    host.stdin.write('?\n');
    return (await answered)[1] ?? '';
  };
  const ready = output.next(/ready\n/);
  await ready;
  const cli = (...args: string[]): Promise<CliResult> => withTimeout(run(process.execPath, [CLI, ...args], tmp.path, env), WAIT_MS, `hotswap ${args.join(' ')}`);

  const status = await cli('status', 'control-e2e');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`control-e2e \\(pid ${host.pid}\\)`));
  assert.match(status.stdout, /patches: none/);
  const json = await cli('status', String(host.pid), '--json');
  assert.equal((JSON.parse(json.stdout) as { pid: number }).pid, host.pid);

  const ps = await cli('ps', '--json');
  assert.equal(ps.code, 0, ps.stderr);
  const hosts = JSON.parse(ps.stdout) as { pid: number; name: string; socket: string }[];
  assert.deepEqual(hosts.map((h) => [h.pid, h.name]), [[host.pid, 'control-e2e']]);

  // Another user is refused by the socket's (and its directory's) permissions. Switching user
  // needs root (the tests run as root), and a Node binary and checkout that user can read; where
  // either is missing, this part says so and is left out.
  const asOther = (args: readonly string[]): Promise<CliResult> =>
    withTimeout(
      new Promise<CliResult>((resolve) => {
        const child = spawn(process.execPath, args, { cwd: '/', env, uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('error', (error) => resolve({ code: null, stdout, stderr: String(error) }));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      }),
      WAIT_MS,
      `${args.join(' ')} as another user`,
    );
  const canSwitch = process.getuid?.() === 0 ? await asOther([CLI, '--version']) : undefined;
  if (canSwitch?.code === 0) {
    const other = await asOther([CLI, 'status', hosts[0]?.socket ?? '']);
    assert.equal(other.code, 3, other.stderr);
    assert.match(other.stderr, /HOTSWAP_ERR_CONTROL_UNAVAILABLE.*EACCES/);
  } else {
    t.diagnostic(`the check that another user is refused is left out: ${canSwitch === undefined ? 'not root' : `uid 65534 cannot run the CLI (${canSwitch.stderr.trim()})`}`);
  }

  const patch = join(tmp.path, 'patch.json');
  writeFileSync(patch, JSON.stringify({ version: 'p1', files: [{ file: 'app.cjs', baseHash: sha256(APP), source: APP.replace('1', '2') }] }));
  const applied = await cli('hotfix', 'apply', 'control-e2e', patch);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /^applied p1: 1 function\(s\)/);
  assert.equal(await ask(), '2');
  const list = await cli('hotfix', 'list', 'control-e2e', '--json');
  assert.deepEqual((JSON.parse(list.stdout) as { version: string }[]).map((p) => p.version), ['p1']);

  writeFileSync(patch, JSON.stringify({ version: 'p2', files: [{ file: 'app.cjs', baseHash: 'f'.repeat(64), source: APP }] }));
  const refused = await cli('hotfix', 'apply', 'control-e2e', patch);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /HOTSWAP_ERR_HOTFIX_BASE_MISMATCH/);
  assert.equal(await ask(), '2', 'the applied patch keeps serving');

  const reverted = await cli('hotfix', 'revert', 'control-e2e', 'p1');
  assert.equal(reverted.code, 0, reverted.stderr);
  assert.equal(await ask(), '1');

  const missing = await cli('status', 'no-such-host');
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /HOTSWAP_ERR_HOST_NOT_FOUND/);
  writeFileSync(patch, '{ not json');
  const badPatch = await cli('hotfix', 'apply', 'control-e2e', patch);
  assert.equal(badPatch.code, 2);
  assert.match(badPatch.stderr, /HOTSWAP_ERR_INVALID_ARGUMENT/);
});

// A program run by `hotswap run`, with no control code of its own: a PluginManager (nothing to load)
// and a module whose function it answers with on stdin.
const PROGRAM = `
import { PluginManager } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
import { answer } from './lib.mjs';
const manager = new PluginManager({ pluginDir: '.', logger: { debug() {}, info() {}, warn() {}, error() {} } });
process.stdout.write('ready\\n');
process.stdin.setEncoding('utf8').on('data', () => process.stdout.write('answer ' + answer() + '\\n'));
`;

test('a program run by hotswap run is operable with no code of its own; its hotfix goes through redirection', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const runtimeDir = join(tmp.path, 'runtime');
  const env = { ...process.env, HOTSWAP_RUNTIME_DIR: runtimeDir, HOTSWAP_NAME: 'run-e2e' };
  const lib = 'export function answer() { return 1; }\n';
  writeFileSync(join(tmp.path, 'lib.mjs'), lib);
  writeFileSync(join(tmp.path, 'program.mjs'), PROGRAM);
  const program = spawn(process.execPath, [CLI, 'run', 'program.mjs'], { cwd: tmp.path, env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  t.after(() => {
    try {
      process.kill(-(program.pid as number), 'SIGKILL');
    } catch {
      // Gone already.
    }
  });
  const { next } = follow(program);
  const ready = next(/ready\n/);
  await ready;
  const cli = (...args: string[]): Promise<CliResult> => withTimeout(run(process.execPath, [CLI, ...args], tmp.path, env), WAIT_MS, `hotswap ${args.join(' ')}`);

  const status = await cli('status', 'run-e2e', '--json');
  assert.equal(status.code, 0, status.stderr);
  const answer = JSON.parse(status.stdout) as { name: string; manager: { failedCount: number } | null; hotfix: unknown[] };
  assert.equal(answer.name, 'run-e2e');
  assert.notEqual(answer.manager, null, 'the PluginManager the program created is found');
  assert.deepEqual(answer.hotfix, []);

  const patch = join(tmp.path, 'patch.json');
  writeFileSync(patch, JSON.stringify({ version: 'r1', files: [{ file: 'lib.mjs', baseHash: sha256(lib), source: lib.replace('1', '42') }] }));
  const applied = await cli('hotfix', 'apply', 'run-e2e', patch, '--json');
  assert.equal(applied.code, 0, applied.stderr + applied.stdout);
  const outcome = JSON.parse(applied.stdout) as { ok: boolean; functions: { name: string; backend: string }[] };
  assert.deepEqual(outcome.functions.map((f) => [f.name, f.backend]), [['answer', 'redirect']]);
  const answered = next(/answer (\d+)\n/);
  program.stdin.write('?\n');
  assert.equal((await answered)[1], '42');
});

test('hotswap run --trusted-key: the program\'s engine applies signed patches only; an unsigned one is refused with its code', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const env = { ...process.env, HOTSWAP_RUNTIME_DIR: join(tmp.path, 'runtime'), HOTSWAP_NAME: 'signed-e2e' };
  const cli = (...args: string[]): Promise<CliResult> => withTimeout(run(process.execPath, [CLI, ...args], tmp.path, env), WAIT_MS, `hotswap ${args.join(' ')}`);
  assert.equal((await cli('keygen', 'team')).code, 0);
  const lib = 'export function answer() { return 1; }\n';
  writeFileSync(join(tmp.path, 'lib.mjs'), lib);
  writeFileSync(join(tmp.path, 'program.mjs'), PROGRAM);
  // A key file that cannot be read stops the command before the program starts.
  const missing = await cli('run', '--trusted-key', 'nope.pub', 'program.mjs');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope\.pub cannot be read/);
  const program = spawn(process.execPath, [CLI, 'run', '--trusted-key', 'team.pub', 'program.mjs'], { cwd: tmp.path, env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  t.after(() => {
    try {
      process.kill(-(program.pid as number), 'SIGKILL');
    } catch {
      // Gone already.
    }
  });
  const { next } = follow(program);
  await next(/ready\n/);

  mkdirSync(join(tmp.path, 'release'));
  writeFileSync(join(tmp.path, 'release', 'lib.mjs'), lib);
  writeFileSync(join(tmp.path, 'lib.mjs'), lib.replace('1', '42'));
  assert.equal((await cli('hotfix', 'build', '--version', 'unsigned', '--base-dir', 'release', '--out', 'unsigned.json', 'lib.mjs')).code, 0);
  const refused = await cli('hotfix', 'apply', 'signed-e2e', 'unsigned.json');
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout + refused.stderr, /HOTSWAP_ERR_SIGNATURE_MISSING/);

  const built = await cli('hotfix', 'build', '--sign', 'team.key', '--version', 'signed', '--base-dir', 'release', '--out', 'signed.json', 'lib.mjs');
  assert.equal(built.code, 0, built.stderr);
  const applied = await cli('hotfix', 'apply', 'signed-e2e', 'signed.json');
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  const answered = next(/answer (\d+)\n/);
  program.stdin.write('?\n');
  assert.equal((await answered)[1], '42');
});

// A host with a real PluginManager over built artifacts and a control server.
const RELOAD_HOST = `
import { PluginManager } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
import { startControl } from ${JSON.stringify(CONTROL)};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const manager = new PluginManager({ pluginDir: process.argv[2], logger: silent, freeDelay: 0 });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
await startControl({ manager, logger: silent });
process.stdout.write('ready\\n');
process.stdin.setEncoding('utf8').on('data', async () => process.stdout.write('answer ' + (await manager.invoke('p', 'version')) + '\\n'));
`;

test('hotswap reload and rollback go over the control socket and print the outcome; a failed one exits 1 and the old code serves', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const runtimeDir = join(tmp.path, 'runtime');
  const env = { ...process.env, HOTSWAP_RUNTIME_DIR: runtimeDir, HOTSWAP_NAME: 'reload-e2e' };
  const outDir = join(tmp.path, 'build');
  const build = async (tag: string, extra = '', into = outDir): Promise<void> => {
    const dir = writePlugin(join(tmp.path, 'src'), 'p', { 'index.ts': pluginSource(`functions: { version: () => '${tag}' }, ${extra}`) });
    await buildPlugins({ pluginDirs: [dir], outDir: into, version: tag });
  };
  await build('v1');
  writeFileSync(join(tmp.path, 'host.mjs'), RELOAD_HOST);
  const host = spawn(process.execPath, ['host.mjs', outDir], { cwd: tmp.path, env, stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => host.kill('SIGKILL'));
  const { next } = follow(host);
  const ready = next(/ready\n/);
  const ask = async (): Promise<string> => {
    const answered = next(/answer (\w+)\n/);
    host.stdin.write('?\n');
    return (await answered)[1] ?? '';
  };
  await ready;
  const cli = (...args: string[]): Promise<CliResult> => withTimeout(run(process.execPath, [CLI, ...args], tmp.path, env), WAIT_MS, `hotswap ${args.join(' ')}`);

  // Follow the host's events meanwhile, as an operator would in another terminal.
  const events = spawn(process.execPath, [CLI, 'events', 'reload-e2e', '--json'], { cwd: tmp.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => events.kill('SIGKILL'));
  const eventLines = follow(events);
  await withTimeout(
    new Promise<void>((resolve) => {
      let err = '';
      events.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
        if (err.includes('following')) resolve();
      });
    }),
    WAIT_MS,
    'hotswap events to follow the host',
  );
  const reloadEnd = eventLines.next(/^\{.*"channel":"hotswap:reload:end".*$/m);
  const freedEvent = eventLines.next(/^\{.*"channel":"hotswap:generation:freed".*$/m);

  await build('v2');
  const reloaded = await cli('reload', 'reload-e2e');
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.match(reloaded.stdout, /^generation 2 is current: p v1 -> v2/);
  assert.equal(await ask(), 'v2');
  const event = JSON.parse((await reloadEnd)[0]) as { channel: string; message: { outcome: { ok: boolean; generation: number } } };
  assert.deepEqual({ ok: event.message.outcome.ok, generation: event.message.outcome.generation }, { ok: true, generation: 2 });
  const freed = JSON.parse((await freedEvent)[0]) as { message: { id: number; plugins: { name: string; version: string }[] } };
  assert.equal(freed.message.id, 1);
  assert.deepEqual(freed.message.plugins.map((p) => `${p.name}@${p.version}`), ['p@v1']);
  const stopped = new Promise<number | null>((resolve) => events.once('exit', (code) => resolve(code)));
  events.kill('SIGINT');
  assert.equal(await withTimeout(stopped, WAIT_MS, 'hotswap events to stop on SIGINT'), 0);

  await build('v3', "onLoad() { throw new Error('v3 refuses to load'); },");
  const failed = await cli('reload', 'reload-e2e', '--json', '--data', '{"n":1}');
  assert.equal(failed.code, 1);
  const outcome = JSON.parse(failed.stdout) as { ok: boolean; stage: string; plugin: string; error: { code: string; message: string } };
  assert.equal(outcome.ok, false);
  assert.equal(outcome.plugin, 'p');
  assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOOK_FAILED');
  assert.match(outcome.error.message, /v3 refuses to load/);
  assert.equal(await ask(), 'v2', 'the generation that was serving keeps serving');

  const notJson = await cli('reload', 'reload-e2e', '--data', '{oops');
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /HOTSWAP_ERR_INVALID_ARGUMENT/);

  // Rollback to generation 1's exact artifacts, with the plugin directory gone: the host kept copies.
  rmSync(outDir, { recursive: true, force: true });
  const back = await cli('rollback', 'reload-e2e', '--to', '1');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /^generation (\d+) is current \(the artifacts of generation 1\): p v2 -> v1 \(\d+ ms\)\n$/);
  assert.equal(await ask(), 'v1');
  // By default, back to the generation that was current before: 2.
  const backAgain = await cli('rollback', 'reload-e2e', '--json');
  assert.equal(backAgain.code, 0, backAgain.stderr);
  const backOutcome = JSON.parse(backAgain.stdout) as { ok: boolean; rolledBackTo: number; generation: number };
  assert.deepEqual([backOutcome.ok, backOutcome.rolledBackTo], [true, 2]);
  assert.equal(await ask(), 'v2');
  const notKept = await cli('rollback', 'reload-e2e', '--to', '99');
  assert.equal(notKept.code, 1);
  assert.match(notKept.stderr, /^rollback failed \(discover, \d+ ms\); the generation that was serving keeps serving\nerror HOTSWAP_ERR_ROLLBACK_UNAVAILABLE: cannot roll back to generation 99: it is not kept/);
  assert.equal((await cli('rollback', 'reload-e2e', '--to', 'two')).code, 2);
  assert.equal(await ask(), 'v2');

  const status = await cli('status', 'reload-e2e', '--json');
  const manager = (JSON.parse(status.stdout) as { manager: { kept: { id: number }[]; recent: { kind: string; ok: boolean }[] } }).manager;
  assert.deepEqual(manager.kept.map((k) => k.id), [1, 2, backOutcome.generation - 1, backOutcome.generation]);
  assert.deepEqual(manager.recent.map((r) => `${r.kind} ${r.ok}`), ['load true', 'reload true', 'reload false', 'rollback true', 'rollback true', 'rollback false']);
  const readable = await cli('status', 'reload-e2e');
  assert.match(readable.stdout, /kept for rollback: generation 1 \(p@v1\); generation 2 \(p@v2\)/);
  assert.match(readable.stdout, /\n {2}reload failed at onLoad \(plugin p\): HOTSWAP_ERR_HOOK_FAILED/);

  // A release built elsewhere: --plugin-dir points the host at it from now on.
  const release = join(tmp.path, 'release-5');
  await build('v5', '', release);
  const moved = await cli('reload', 'reload-e2e', '--plugin-dir', relative(tmp.path, release));
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stdout, /p v2 -> v5/);
  assert.equal(await ask(), 'v5');
});

