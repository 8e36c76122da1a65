/**
 * Rollouts in stages through a real Redis server, with real host processes that call their plugin
 * all the time: a canary stage, then everyone, carried on by the instances after the publishing CLI
 * exited and after the instance driving it was killed; a canary whose calls fail rolled back
 * everywhere by the health gate; an operator's pause, resume, abort and rollback.
 * `hotswap rollout status --watch --json` shows each rollout as it goes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FleetStatus } from '../../src/fleet/status.js';
import { fleetFixture, type Host } from '../helpers/fleet-hosts.js';
import { TEST_MS } from '../helpers/timeout.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** The instances of `status` that run `version`. */
const running = (status: FleetStatus, version: string): string[] => status.instances.filter((i) => i.runningVersion === version && i.state !== 'left').map((i) => i.instance);

async function answers(hosts: readonly Host[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(hosts.map(async (host) => [host.name, await host.answer()] as const)));
}

test('a canary stage first, then every instance; the instances carry the rollout on after the CLI exited and after its driver was killed', { timeout: TEST_MS }, async (t) => {
  const { service, build, cli, start, watch } = fleetFixture(t, REDIS_URL);
  const v1 = await build('v1');
  const hosts = ['a', 'b', 'c', 'd'].map((name) => start(name, v1));
  await Promise.all(hosts.map((host) => host.next(/ready\n/)));
  const status = watch();

  const published = await cli('publish', '--service', service, '--version', 'r2', '--canary', '25%', '--bake', '2s', await build('v2'));
  assert.equal(published.code, 0, published.stderr);
  assert.match(published.stdout, /in stages of 25%, 100%, 2 s each/);
  // The CLI has exited: from here on, only Redis and the instances move the rollout.

  const canary = await status.until('the canary stage applied', (s) => s.rollout?.stage === 0 && running(s, 'r2').length === 1);
  assert.deepEqual(canary.rollout?.admitted, running(canary, 'r2'));
  assert.equal(running(canary, '(start)').length, 3, 'the others stay on what they ran');
  const [canaryName] = running(canary, 'r2');
  const now = await answers(hosts);
  assert.deepEqual(Object.values(now).sort(), ['v1', 'v1', 'v1', 'v2']);
  assert.equal(now[canaryName ?? ''], 'v2');

  // The instance driving the rollout dies during the bake; another takes the lease and goes on.
  const driverName = (await status.until('a driver', (s) => s.driver !== null)).driver;
  const driver = hosts.find((host) => host.name === driverName) as Host;
  const gone = new Promise((resolve) => driver.child.once('exit', resolve));
  driver.child.kill('SIGKILL');
  await gone;
  const done = await status.until('the rollout complete', (s) => s.rollout?.phase === 'complete');
  assert.notEqual(done.rollout?.by, driverName, 'completed by the instance that took over');
  const alive = hosts.filter((host) => host !== driver);
  assert.deepEqual(Object.values(await answers(alive)), ['v2', 'v2', 'v2']);
  const everyone = await status.until('every live instance on r2', (s) => s.rollout?.phase === 'complete' && alive.every((h) => running(s, 'r2').includes(h.name)));
  assert.ok(everyone.instances.find((i) => i.instance === driverName)?.unreachable, 'the killed instance shows as unreachable');

  const text = await cli('rollout', 'status', '--service', service);
  assert.match(text.stdout, new RegExp(`^${service}: release r2 \\(.*\\), on the start plugins: complete$`, 'm'));
});

test('a canary whose calls fail is rolled back on every instance by the health gate, with the reason in the status', { timeout: TEST_MS }, async (t) => {
  const { service, build, cli, start, watch } = fleetFixture(t, REDIS_URL);
  const v1 = await build('v1');
  const hosts = ['a', 'b', 'c', 'd'].map((name) => start(name, v1));
  await Promise.all(hosts.map((host) => host.next(/ready\n/)));
  assert.equal((await cli('publish', '--service', service, '--version', 'r1', v1)).code, 0);
  await Promise.all(hosts.map((host) => host.next(/state applied r1/)));
  const status = watch();

  // r2 throws on every call: the canary's error rate against the others' fails the gate long before
  // the bake (60 s) would end.
  const bad = await build('v2', "throw new Error('release 2 is broken');");
  assert.equal((await cli('publish', '--service', service, '--version', 'r2', '--canary', '50%', '--bake', '60s', '--max-error-rate', '5%', bad)).code, 0);
  // The gate can fail between two reads of the watch: the canary's own lines show it ran r2.
  const back = await status.until('the rollout rolled back', (s) => s.rollout?.phase === 'rolled-back');
  assert.match(back.rollout?.reason ?? '', /^health gate failed at stage 1 of 2: error rate \d+\.\d% on the upgraded instances \(\d+ of \d+ calls\) against 0\.0% on the others/);
  const admitted = back.rollout?.admitted;
  assert.ok(Array.isArray(admitted) && admitted.length === 2, JSON.stringify(admitted));
  await status.until('every instance back on r1', (s) => running(s, 'r1').length === 4);
  for (const name of admitted) {
    const host = hosts.find((h) => h.name === name) as Host;
    await host.next(/state applying r2 \n(?:.*\n)*?state applied r2 \n(?:.*\n)*?state applied r1 /);
  }
  assert.deepEqual(Object.values(await answers(hosts)), ['v1', 'v1', 'v1', 'v1']);
  const text = await cli('rollout', 'status', '--service', service);
  assert.match(text.stdout, /: rolled-back \(health gate failed/);
});

test('rollout pause, resume, abort and rollback from the CLI', { timeout: TEST_MS }, async (t) => {
  const { service, build, cli, start, watch } = fleetFixture(t, REDIS_URL);
  const v1 = await build('v1');
  const hosts = ['a', 'b'].map((name) => start(name, v1));
  await Promise.all(hosts.map((host) => host.next(/ready\n/)));
  const refused = await cli('rollout', 'pause', '--service', service);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /HOTSWAP_ERR_FLEET_ROLLOUT.*no release was published/);
  assert.equal((await cli('publish', '--service', service, '--version', 'r1', v1)).code, 0);
  const status = watch();
  await status.until('r1 everywhere', (s) => s.rollout?.phase === 'complete' && running(s, 'r1').length === 2);

  assert.equal((await cli('publish', '--service', service, '--version', 'r2', '--canary', '50%', '--bake', '60s', await build('v2'))).code, 0);
  await status.until('the canary on r2', (s) => s.rollout?.version === 'r2' && running(s, 'r2').length === 1);
  const paused = await cli('rollout', 'pause', '--service', service);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /the rollout of r2 is rolling, paused/);
  await status.until('the rollout paused', (s) => s.rollout?.paused === true && s.rollout.reason?.startsWith('paused by') === true);
  assert.match((await cli('rollout', 'resume', '--service', service)).stdout, /the rollout of r2 is rolling \(/);
  assert.match((await cli('rollout', 'abort', '--service', service)).stdout, /the rollout of r2 is aborted/);
  await status.until('r2 aborted, everyone on r1', (s) => s.rollout?.phase === 'aborted' && running(s, 'r1').length === 2);
  const again = await cli('rollout', 'abort', '--service', service);
  assert.match(again.stderr, /HOTSWAP_ERR_FLEET_ROLLOUT.*the rollout of r2 is aborted/);

  // A release after the aborted one starts from r1, and rolling it back returns there.
  assert.equal((await cli('publish', '--service', service, '--version', 'r3', await build('v3'))).code, 0);
  await status.until('r3 everywhere', (s) => s.rollout?.version === 'r3' && s.rollout.phase === 'complete' && running(s, 'r3').length === 2);
  assert.match((await cli('rollout', 'rollback', '--service', service)).stdout, /the rollout of r3 is rolled-back/);
  const back = await status.until('r3 rolled back to r1', (s) => s.rollout?.phase === 'rolled-back' && running(s, 'r1').length === 2);
  assert.equal(back.rollout?.previousVersion, 'r1');
  assert.deepEqual(Object.values(await answers(hosts)), ['v1', 'v1']);
});
