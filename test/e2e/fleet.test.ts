/**
 * A fleet through a real Redis server (REDIS_URL, default redis://127.0.0.1:6379): host processes
 * join a service, `hotswap publish` releases a build once and every instance applies it in place;
 * a blob changed in Redis is refused by every instance while the release before keeps serving; an
 * instance that starts later catches up with the current release before it serves; a fleet that
 * trusts one key refuses releases signed by another or unsigned; Redis restarted under the fleet;
 * node:cluster workers as instances of their own.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { run } from '../../examples/shared/processes.js';
import { manifestFileName, parseManifest } from '../../src/artifact/manifest.js';
import { blobChunkKey, blobMetaKey } from '../../src/fleet/keys.js';
import type { FleetStatus } from '../../src/fleet/status.js';
import { fleetFixture, type Host } from '../helpers/fleet-hosts.js';
import { startPrivateRedis } from '../helpers/redis-server.js';
import { TEST_MS } from '../helpers/timeout.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

test('a release published once is applied in place by every instance; a changed blob is refused everywhere; a late or restarted instance catches up', { timeout: TEST_MS }, async (t) => {
  const { tmp, service, build, cli, start } = fleetFixture(t, REDIS_URL);
  const redis = new Redis(REDIS_URL);
  t.after(() => redis.disconnect());
  const v1 = await build('v1');
  const first = ['a', 'b', 'c', 'd'].map((name) => start(name, v1));
  await Promise.all(first.map((host) => host.next(/ready\n/)));

  // Published once, applied by all four in place.
  const published = await cli('publish', '--service', service, '--version', 'r2', await build('v2'));
  assert.equal(published.code, 0, published.stderr);
  assert.match(published.stdout, /published .* r2 \(p v2\)/);
  await Promise.all(first.map((host) => host.next(/state applied r2/)));
  assert.deepEqual(await Promise.all(first.map((host) => host.answer())), ['v2', 'v2', 'v2', 'v2']);
  const status = await cli('rollout', 'status', '--service', service, '--json');
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as FleetStatus;
  assert.equal(report.rollout?.version, 'r2');
  assert.deepEqual(report.instances.map((i) => [i.instance, i.state, i.runningVersion, i.behind]), ['a', 'b', 'c', 'd'].map((name) => [name, 'applied', 'r2', false]));

  // A blob changed in Redis (here before publishing, which then finds it stored): refused by every
  // instance, which keep serving r2.
  const v3 = await build('v3');
  const manifest = parseManifest(readFileSync(join(v3, manifestFileName('p')), 'utf8'), 'p');
  const bytes = readFileSync(join(v3, manifest.artifact));
  const evil = bytes.toString('utf8').replace(/(["'])v3\1/, '$1v3-evil$1');
  assert.notEqual(evil, bytes.toString('utf8'));
  await redis.set(blobChunkKey(manifest.sha256, 0), Buffer.from(evil));
  await redis.set(blobMetaKey(manifest.sha256), JSON.stringify({ size: bytes.length, chunks: 1 }));
  assert.equal((await cli('publish', '--service', service, '--version', 'r3', v3)).code, 0);
  await Promise.all(first.map((host) => host.next(/state refused r3 HOTSWAP_ERR_FLEET_BLOB/)));
  assert.deepEqual(await Promise.all(first.map((host) => host.answer())), ['v2', 'v2', 'v2', 'v2']);
  const refused = JSON.parse((await cli('rollout', 'status', '--service', service, '--json')).stdout) as FleetStatus;
  assert.ok(refused.instances.every((i) => i.state === 'refused' && i.code === 'HOTSWAP_ERR_FLEET_BLOB' && i.runningVersion === 'r2'), JSON.stringify(refused.instances));

  // A good release after it, and an instance that starts later (from the old build): it catches up
  // with the current release before it says it is ready.
  assert.equal((await cli('publish', '--service', service, '--version', 'r4', await build('v4'))).code, 0);
  await Promise.all(first.map((host) => host.next(/state applied r4/)));
  const late = start('e', v1);
  await late.next(/state applied r4/);
  await late.next(/ready\n/);
  assert.equal(await late.answer(), 'v4');

  // An instance killed hard mid-rollout (while a release is being published) and started again
  // applies the current release before it serves.
  const killed = first[1] as Host;
  const gone = new Promise((resolve) => killed.child.once('exit', resolve));
  killed.child.kill('SIGKILL');
  const r5 = cli('publish', '--service', service, '--version', 'r5', await build('v5'));
  await gone;
  assert.equal((await r5).code, 0);
  const others = first.filter((host) => host !== killed);
  await Promise.all(others.map((host) => host.next(/state applied r5/)));
  const restarted = start('b', v1);
  await restarted.next(/state applied r5/);
  await restarted.next(/ready\n/);
  assert.equal(await restarted.answer(), 'v5');
  const leftovers = readdirSync(join(tmp.path, 'runtime')).filter((entry) => entry.startsWith(`${killed.child.pid ?? 0}.fleet-`));
  assert.deepEqual(leftovers, [], 'the release files of the killed instance were removed when an instance joined');

  // Leaving is reported.
  late.child.kill('SIGTERM');
  await new Promise((resolve) => late.child.once('exit', resolve));
  const left = JSON.parse((await cli('rollout', 'status', '--service', service, '--json')).stdout) as FleetStatus;
  assert.equal(left.instances.find((i) => i.instance === 'e')?.state, 'left');
});

test('a fleet that trusts one key: a signed release applies; one signed by another key, and an unsigned one, are refused by every instance and rolled back', { timeout: TEST_MS }, async (t) => {
  const { tmp, service, blobs, source, build, cli, start, watch } = fleetFixture(t, REDIS_URL);
  for (const name of ['team', 'other']) assert.equal((await cli('keygen', name)).code, 0);
  /** `hotswap build --sign <key>.key` of p at `version`. */
  const signed = async (version: string, key: string): Promise<string> => {
    const out = join(tmp.path, `signed-${version}`);
    const built = await cli('build', '--sign', `${key}.key`, '--version', version, source(version), out);
    assert.equal(built.code, 0, built.stderr);
    blobs.push(parseManifest(readFileSync(join(out, manifestFileName('p')), 'utf8'), 'p').sha256);
    return out;
  };
  const v1 = await signed('v1', 'team');
  const hosts = ['a', 'b', 'c', 'd'].map((name) => start(name, v1, { env: { TRUSTED_KEY: join(tmp.path, 'team.pub') } }));
  await Promise.all(hosts.map((host) => host.next(/ready\n/)));
  const status = watch();

  assert.equal((await cli('publish', '--service', service, '--version', 'r2', await signed('v2', 'team'))).code, 0);
  await Promise.all(hosts.map((host) => host.next(/state applied r2/)));

  assert.equal((await cli('publish', '--service', service, '--version', 'r3', await signed('v3', 'other'))).code, 0);
  await Promise.all(hosts.map((host) => host.next(/state refused r3 HOTSWAP_ERR_SIGNATURE_UNTRUSTED/)));
  const foreign = await status.until('r3 rolled back', (s) => s.rollout?.version === 'r3' && s.rollout.phase === 'rolled-back');
  assert.match(foreign.rollout?.reason ?? '', /refused r3: HOTSWAP_ERR_SIGNATURE_UNTRUSTED/);

  assert.equal((await cli('publish', '--service', service, '--version', 'r4', await build('v4'))).code, 0);
  await Promise.all(hosts.map((host) => host.next(/state refused r4 HOTSWAP_ERR_SIGNATURE_MISSING/)));
  await status.until('r4 rolled back', (s) => s.rollout?.version === 'r4' && s.rollout.phase === 'rolled-back');
  assert.deepEqual(await Promise.all(hosts.map((host) => host.answer())), ['v2', 'v2', 'v2', 'v2'], 'the signed release serves on');
});

test('Redis restarted empty in the middle of a canary: every instance serves on, the stable release is recorded again from the instances, the canary returns to it, and the next release reaches all', { timeout: TEST_MS }, async (t) => {
  const redis = await startPrivateRedis();
  t.after(() => redis.stop());
  const { service, build, cli, start, watch } = fleetFixture(t, redis.url);
  const v1 = await build('v1');
  const hosts = ['a', 'b', 'c'].map((name) => start(name, v1));
  await Promise.all(hosts.map((host) => host.next(/ready\n/)));
  assert.equal((await cli('publish', '--service', service, '--version', 'r1', v1)).code, 0);
  await Promise.all(hosts.map((host) => host.next(/state applied r1/)));
  assert.equal((await cli('publish', '--service', service, '--version', 'r2', '--canary', '33%', '--bake', '60s', await build('v2'))).code, 0);
  const onCanary = await watch().until('the canary on r2', (s) => s.instances.filter((i) => i.runningVersion === 'r2').length === 1);
  const canary = hosts.find((host) => onCanary.instances.some((i) => i.instance === host.name && i.runningVersion === 'r2')) as Host;
  await canary.next(/state applied r2/);

  await redis.stop();
  const serving = await Promise.all(hosts.map((host) => host.answer()));
  assert.deepEqual(serving, hosts.map((host) => (host === canary ? 'v2' : 'v1')), 'they serve on without Redis');
  const refused = await cli('publish', '--service', service, '--version', 'r3', await build('v3'));
  assert.notEqual(refused.code, 0, 'publishing needs Redis');

  // Back, empty (nothing was kept on disk): the instances on r1 record it again, the canary goes back to it.
  await redis.start();
  await canary.next(/state applied r1/);
  const status = JSON.parse((await cli('rollout', 'status', '--service', service, '--json')).stdout) as FleetStatus;
  assert.equal(status.rollout?.version, 'r1');
  assert.equal(status.rollout?.phase, 'complete');
  assert.match(status.rollout?.reason ?? '', /^recorded again by [ab c]+ after Redis lost the service's data$/);
  assert.notEqual(status.rollout?.by, canary.name, 'not by the canary');
  assert.deepEqual(await Promise.all(hosts.map((host) => host.answer())), ['v1', 'v1', 'v1']);

  assert.equal((await cli('publish', '--service', service, '--version', 'r4', await build('v4'))).code, 0);
  await Promise.all(hosts.map((host) => host.next(/state applied r4/)));
  assert.deepEqual(await Promise.all(hosts.map((host) => host.answer())), ['v4', 'v4', 'v4']);
});

test('the demo (npm run demo:fleet) exits 0', { timeout: TEST_MS }, async () => {
  const result = await run(process.execPath, [fileURLToPath(new URL('../../examples/fleet/demo.js', import.meta.url))], undefined, { ...process.env, REDIS_URL });
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^OK: /m);
  assert.match(result.stdout, /us-1 {2}applied {2}runs v2 /);
});

/** A node:cluster whose workers each join the service as an instance of their own (`w<worker id>`); a worker killed hard is forked again. */
const CLUSTER = `
import cluster from 'node:cluster';
import { PluginManager } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
import { joinFleet } from ${JSON.stringify(new URL('../../src/fleet/index.js', import.meta.url).href)};
const [pluginDir, service] = process.argv.slice(2);
if (cluster.isPrimary) {
  cluster.fork();
  cluster.fork();
  cluster.on('exit', (worker, code, signal) => { if (signal === 'SIGKILL') cluster.fork(); });
  process.stdin.setEncoding('utf8').on('data', () => { for (const worker of Object.values(cluster.workers)) worker?.send('ask'); });
  process.on('SIGTERM', () => { for (const worker of Object.values(cluster.workers)) worker?.kill('SIGTERM'); cluster.on('exit', () => { if (Object.keys(cluster.workers).length === 0) process.exit(0); }); });
} else {
  const name = 'w' + cluster.worker.id;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const manager = new PluginManager({ pluginDir, logger: silent, freeDelay: 0 });
  const loaded = await manager.load();
  if (!loaded.ok) throw loaded.error;
  const member = await joinFleet({ redis: process.env.FLEET_REDIS, service, manager, instanceId: name,
    onState: (s) => process.stdout.write('state ' + name + ' ' + s.state + ' ' + (s.release ?? '-') + '\\n') });
  process.stdout.write('ready ' + name + ' ' + process.pid + '\\n');
  process.on('message', () => process.stdout.write('answer ' + name + ' ' + manager.invoke('p', 'version') + '\\n'));
  process.on('SIGTERM', async () => { await member.leave(); await manager.close(); process.exit(0); });
}
`;

test('node:cluster: every worker is an instance of its own; a worker forked again catches up before it serves', { timeout: TEST_MS }, async (t) => {
  const { tmp, service, build, cli, start, watch } = fleetFixture(t, REDIS_URL);
  writeFileSync(join(tmp.path, 'cluster.mjs'), CLUSTER);
  const primary = start('cluster', await build('v1'), { script: 'cluster.mjs' });
  // Its workers are not hosts of the fixture: the primary takes them down with it.
  t.after(async () => {
    primary.child.kill('SIGTERM');
    await primary.exited;
  });
  const pids = new Map<string, number>();
  for (let i = 0; i < 2; i++) {
    const [, name, pid] = await primary.next(/ready (w\d) (\d+)\n/);
    pids.set(name ?? '', Number(pid));
  }
  assert.deepEqual([...pids.keys()].sort(), ['w1', 'w2']);

  assert.equal((await cli('publish', '--service', service, '--version', 'r2', await build('v2'))).code, 0);
  await watch().until('r2 on both workers', (s) => s.rollout?.phase === 'complete' && ['w1', 'w2'].every((w) => s.instances.find((i) => i.instance === w)?.runningVersion === 'r2'));

  // A worker killed hard: the primary forks another, which applies r2 before it says it is ready.
  process.kill(pids.get('w1') ?? 0, 'SIGKILL');
  await primary.next(/state w3 applied r2\n(?:.*\n)*?ready w3 /);
  const asked = primary.next(/answer (w\d) (\S+)\n(?:.*\n)*?answer (w\d) (\S+)\n/);
  primary.child.stdin?.write('?\n');
  const answer = await asked;
  assert.deepEqual([`${answer[1] ?? ''} ${answer[2] ?? ''}`, `${answer[3] ?? ''} ${answer[4] ?? ''}`].sort(), ['w2 v2', 'w3 v2']);
});
