/**
 * End to end: the trine example's real host in a child process, real builds and real reload
 * signals. gamma imports beta, beta imports alpha: rebuilding alpha reloads beta and gamma onto
 * it; an alpha that imports gamma is refused as a cycle while the current generation serves.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ManagerStatus } from '../../src/index.js';
import { exampleSource } from '../../examples/shared/paths.js';
import { ExampleHost, run, runHotswap, type HostEvent } from '../../examples/shared/processes.js';

const HOST = fileURLToPath(new URL('../../examples/trine/host.js', import.meta.url));
const DEMO = fileURLToPath(new URL('../../examples/trine/demo.js', import.meta.url));
const PLUGINS = exampleSource('trine', 'plugins');
const noSignals = process.platform === 'win32' && 'no signals on Windows';

async function build(version: string, dirs: readonly string[], outDir: string): Promise<void> {
  const result = await runHotswap(['build', '--version', version, ...dirs.map((dir) => join(PLUGINS, dir)), outDir]);
  assert.equal(result.code, 0, `hotswap build failed:\n${result.stderr}`);
}

async function reloadBySignal(host: ExampleHost): Promise<HostEvent> {
  const outcome = host.next('reload');
  const result = await runHotswap(['reload', '--pid', String(host.pid)]);
  assert.equal(result.code, 0, `hotswap reload failed:\n${result.stderr}`);
  return outcome;
}

async function call(host: ExampleHost): Promise<[unknown, unknown]> {
  const answer = await host.ask('call Ada');
  return [answer.path, answer.greeting];
}

async function start(t: TestContext): Promise<{ host: ExampleHost; outDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-e2e-trine-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const outDir = join(root, 'build');
  await build('v1', ['v1/alpha', 'v1/beta', 'v1/gamma'], outDir);
  const host = await ExampleHost.start({ script: HOST, args: ['--plugins', outDir, '--free-delay', '100'] });
  t.after(() => host.kill());
  return { host, outDir };
}

test('rebuilding alpha reloads beta and gamma onto it; a call through gamma reaches the new alpha', { skip: noSignals }, async (t) => {
  const { host, outDir } = await start(t);
  assert.deepEqual(host.logs, ['alpha v1: onLoad', 'beta v1: onLoad, bound to alpha v1', 'gamma v1: onLoad, bound to beta v1 -> alpha v1']);
  assert.deepEqual(await call(host), ['gamma v1 -> beta v1 -> alpha v1', 'hello, Ada']);

  await build('v2', ['v2/alpha'], outDir);
  const freed = host.next('freed', (e) => e.generation === 1);
  const outcome = await reloadBySignal(host);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  assert.deepEqual(outcome.details, [
    { name: 'alpha', version: 'v2', status: 'ok', previousVersion: 'v1' },
    { name: 'beta', version: 'v1', status: 'ok', previousVersion: 'v1', reason: 'a plugin it imports was reloaded: alpha' },
    { name: 'gamma', version: 'v1', status: 'ok', previousVersion: 'v1', reason: 'a plugin it imports was reloaded: beta' },
  ]);
  assert.equal(
    outcome.summary,
    'alpha v1 -> v2, beta v1 -> v1 (a plugin it imports was reloaded: alpha), gamma v1 -> v1 (a plugin it imports was reloaded: beta)',
  );
  // beta and gamma were loaded afresh, in dependency order, bound to the new exports. (The old
  // generation's onFree lines may follow already: its free delay is 100 ms.)
  assert.deepEqual(host.logs.slice(3, 6), ['alpha v2: onLoad', 'beta v1: onLoad, bound to alpha v2', 'gamma v1: onLoad, bound to beta v1 -> alpha v2']);
  assert.deepEqual(await call(host), ['gamma v1 -> beta v1 -> alpha v2', 'hi there, Ada']);

  await freed;
  // The old instances, dependents first.
  assert.deepEqual(host.logs.slice(6), ['gamma v1: onFree', 'beta v1: onFree', 'alpha v1: onFree']);
});

test('an alpha that imports gamma is refused as a cycle, and the current generation keeps serving', { skip: noSignals }, async (t) => {
  const { host, outDir } = await start(t);
  await build('v2', ['v2/alpha'], outDir);
  const freed = host.next('freed', (e) => e.generation === 1);
  assert.equal((await reloadBySignal(host)).ok, true);
  await freed; // its onFree lines are out of the way
  const logsBefore = host.logs.length;

  await build('v3', ['cycle/alpha'], outDir);
  const refused = await reloadBySignal(host);
  assert.deepEqual(
    [refused.ok, refused.stage, refused.code, refused.plugin, refused.message],
    [false, 'dependencies', 'HOTSWAP_ERR_CYCLIC_DEPENDENCY', 'alpha', 'cyclic dependency detected: alpha -> gamma -> beta -> alpha'],
  );
  // Refused before any hook of the new generation ran.
  assert.deepEqual(host.logs.slice(logsBefore), []);
  assert.deepEqual(await call(host), ['gamma v1 -> beta v1 -> alpha v2', 'hi there, Ada']);

  const status = (await host.ask('status')).status as ManagerStatus;
  assert.equal(status.current?.id, 2);
  assert.deepEqual(status.current?.plugins.map((p) => `${p.name} ${p.version}`), ['alpha v2', 'beta v1', 'gamma v1']);
  assert.deepEqual(status.lastOutcome, {
    ok: false,
    code: 'HOTSWAP_ERR_CYCLIC_DEPENDENCY',
    message: 'cyclic dependency detected: alpha -> gamma -> beta -> alpha',
    stage: 'dependencies',
    plugin: 'alpha',
  });

  // Putting alpha v2's build back: nothing changed since generation 2.
  await build('v2', ['v2/alpha'], outDir);
  const fixed = await reloadBySignal(host);
  assert.equal(fixed.summary, 'nothing changed: alpha v2 (unchanged), beta v1 (unchanged), gamma v1 (unchanged)');
  assert.equal(fixed.changed, false);
  assert.equal(fixed.generation, 2, 'no generation was built: generation 2 stays current');
});

test('the demo (npm run demo:trine) exits 0', { skip: noSignals }, async () => {
  const result = await run(process.execPath, [DEMO]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^OK: /m);
  assert.doesNotMatch(result.stdout, /NOT OK/);
});
