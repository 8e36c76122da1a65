/**
 * End to end: the livex example's real host in a child process, real builds and a real reload
 * signal. Jobs scheduled by queue v1 through `vault.jobs` are pending when the host reloads to v2;
 * they fire afterwards and run v2's live function, with their data unwrapped into v2's live type.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exampleSource } from '../../examples/shared/paths.js';
import { ExampleHost, run, runHotswap, type HostEvent } from '../../examples/shared/processes.js';

const HOST = fileURLToPath(new URL('../../examples/livex/host.js', import.meta.url));
const DEMO = fileURLToPath(new URL('../../examples/livex/demo.js', import.meta.url));
const PLUGINS = exampleSource('livex', 'plugins');
const noSignals = process.platform === 'win32' && 'no signals on Windows';
/** Long enough for a reload (a CLI process, a signal, one small plugin) to come first by far. */
const DELAY_MS = 3000;

async function build(version: string, outDir: string): Promise<void> {
  const result = await runHotswap(['build', '--version', version, join(PLUGINS, version, 'queue'), outDir]);
  assert.equal(result.code, 0, `hotswap build failed:\n${result.stderr}`);
}

async function start(t: TestContext): Promise<{ host: ExampleHost; outDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-e2e-livex-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const outDir = join(root, 'build');
  await build('v1', outDir);
  const host = await ExampleHost.start({ script: HOST, args: ['--plugins', outDir, '--free-delay', '100'] });
  t.after(() => host.kill());
  return { host, outDir };
}

/** A job event without its `event` field. */
function job(event: HostEvent): Record<string, unknown> {
  const { event: _event, ...fields } = event;
  return fields;
}

test('jobs scheduled by v1 and pending across the reload run v2\'s live function with v2\'s live type', { skip: noSignals }, async (t) => {
  const { host, outDir } = await start(t);

  const warmUp = host.next('job', (e) => e.task === 1);
  const first = await host.ask('schedule 1 0 warm-up');
  assert.deepEqual(first.scheduled, [1]);
  assert.deepEqual(job(await warmUp), {
    task: 1,
    ranBy: 'v1',
    scheduledBy: 'v1',
    fields: ['id', 'text', 'scheduledBy'],
    output: 'v1 ran task #1 "warm-up"',
  });

  await build('v2', outDir);
  const jobs = [2, 3, 4].map((task) => host.next('job', (e) => e.task === task));
  const freed = host.next('freed', (e) => e.generation === 1);
  const scheduled = await host.ask(`schedule 3 ${DELAY_MS} email`);
  assert.deepEqual([scheduled.scheduled, scheduled.by, scheduled.pending], [[2, 3, 4], 'queue v1', 3]);

  const reloaded = host.next('reload');
  const signal = await runHotswap(['reload', '--pid', String(host.pid)]);
  assert.equal(signal.code, 0, signal.stderr);
  const outcome = await reloaded;
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  assert.equal(outcome.summary, 'queue v1 -> v2');
  assert.equal(outcome.pending, 3, 'the three jobs were still pending when v2 became current');

  const ran = (await Promise.all(jobs)).map(job);
  assert.deepEqual(
    ran,
    [1, 2, 3].map((i) => ({
      task: i + 1,
      ranBy: 'v2',
      scheduledBy: 'v1',
      // v2's Live_Task: the field v2 added is there, with its default; describe() is v2's method.
      fields: ['id', 'text', 'scheduledBy', 'priority'],
      output: `v2 ran task #${i + 1} "email ${i}/3" (priority normal, scheduled by v1)`,
    })),
  );
  await freed;
  assert.ok(host.logs.some((line) => line.startsWith('queue v1: onFree')), host.logs.join('\n'));
  assert.deepEqual(host.events.filter((e) => e.event === 'jobError'), []);

  // State handed over by snapshot/restore: v2 numbers tasks on from where v1 stopped.
  const next = await host.ask('schedule 1 0 after');
  assert.deepEqual([next.scheduled, next.by], [[5], 'queue v2']);
});

test('the demo (npm run demo:livex) exits 0', { skip: noSignals }, async () => {
  const result = await run(process.execPath, [DEMO]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^OK: /m);
  assert.doesNotMatch(result.stdout, /NOT OK/);
});
