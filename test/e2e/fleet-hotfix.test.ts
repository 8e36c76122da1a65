/**
 * Hotfix releases through a real Redis server: host processes run under hotswap's loader with a
 * hotfix engine joined to their fleet; `hotswap publish patch.json` patches a function of the app
 * on every instance in place, and the patch stays applied across a plugins release and its
 * rollback; a broken patch (its function throws, so the host's health callback fails) is reverted
 * from its canary by the health gate; an instance that starts later applies the service's patches
 * before it serves; an instance without a hotfix engine refuses a patch, which rolls it back.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FleetStatus } from '../../src/fleet/status.js';
import { fleetFixture, type Host } from '../helpers/fleet-hosts.js';
import { TEST_MS } from '../helpers/timeout.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const REGISTER = fileURLToPath(new URL('../../src/typescript/register.js', import.meta.url));

const APP = `export function greet() {
  return 'hello';
}
`;

/** A host whose app function `greet` can be patched; without HOTFIX=off it joins with a hotfix engine. */
const HOST = `
import { PluginManager } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
import { createHotfixEngine } from ${JSON.stringify(new URL('../../src/hotfix/index.js', import.meta.url).href)};
import { joinFleet } from ${JSON.stringify(new URL('../../src/fleet/index.js', import.meta.url).href)};
import { greet } from './app.mjs';
const [pluginDir, service, name] = process.argv.slice(2);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const manager = new PluginManager({ pluginDir, logger: silent, freeDelay: 0 });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
const hotfix = process.env.HOTFIX === 'off' ? undefined : createHotfixEngine({ root: process.cwd() });
const greeting = () => { try { return greet(); } catch (error) { return 'error'; } };
const member = await joinFleet({ redis: process.env.FLEET_REDIS, service, manager, instanceId: name, hotfix,
  health: () => { try { greet(); return true; } catch (error) { return { ok: false, reason: error.message }; } },
  onState: (s) => process.stdout.write('state ' + s.state + ' ' + (s.release ?? '-') + ' ' + (s.code ?? '') + '\\n') });
process.stdout.write('ready\\n');
process.stdin.setEncoding('utf8').on('data', () => process.stdout.write('answer ' + manager.invoke('p', 'version') + '/' + greeting() + '\\n'));
process.on('SIGTERM', async () => { await member.leave(); await hotfix?.close(); await manager.close(); process.exit(0); });
`;

const running = (status: FleetStatus, plugins: string, patches: string): string[] =>
  status.instances.filter((i) => i.state !== 'left' && i.runningVersion === plugins && i.patches.map((p) => p.version).join(',') === patches).map((i) => i.instance);

test('hotfix releases: a patch applied by every instance in place, kept across plugin releases, reverted by the gate on its canary, caught up by a late instance, refused without an engine', { timeout: TEST_MS }, async (t) => {
  const { tmp, service, blobs, build, cli, start: startHost, watch } = fleetFixture(t, REDIS_URL);
  const appFile = join(tmp.path, 'app.mjs');
  writeFileSync(appFile, APP);
  writeFileSync(join(tmp.path, 'hotfix-host.mjs'), HOST);
  /** A patch of greet's body, built against `base` (the source that runs when it applies). */
  const patchFile = (version: string, body: string, base = APP): string => {
    const source = APP.replace("return 'hello';", body);
    const file = join(tmp.path, `${version}.json`);
    const patch = { version, files: [{ file: appFile, baseHash: createHash('sha256').update(base).digest('hex'), source }] };
    writeFileSync(file, JSON.stringify(patch));
    blobs.push(createHash('sha256').update(JSON.stringify(patch)).digest('hex'));
    return file;
  };
  const start = (name: string, pluginDir: string, env: NodeJS.ProcessEnv = {}): Host => {
    const full: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete full['HOTSWAP_REDIRECT'];
    delete full['NODE_OPTIONS'];
    return startHost(name, pluginDir, { script: 'hotfix-host.mjs', nodeArgs: ['--import', REGISTER], env: full });
  };
  const answers = async (of: readonly Host[]): Promise<string[]> => Promise.all(of.map((host) => host.answer()));

  const v1 = await build('v1');
  const fleet = ['a', 'b', 'c'].map((name) => start(name, v1));
  await Promise.all(fleet.map((host) => host.next(/ready\n/)));
  const status = watch();

  // A patch, published once, applied by every instance in place.
  const published = await cli('publish', '--service', service, patchFile('fix-1', "return 'hello-fixed';"));
  assert.equal(published.code, 0, published.stderr);
  assert.match(published.stdout, /published .* fix-1 \(hotfix fix-1\)/);
  await status.until('fix-1 everywhere', (s) => s.rollout?.phase === 'complete' && running(s, '(start)', 'fix-1').length === 3);
  assert.deepEqual(await answers(fleet), ['v1/hello-fixed', 'v1/hello-fixed', 'v1/hello-fixed']);

  // A plugins release on top keeps the patch; so does its rollback.
  assert.equal((await cli('publish', '--service', service, '--version', 'r2', await build('v2'))).code, 0);
  await status.until('r2 + fix-1 everywhere', (s) => s.rollout?.version === 'r2' && s.rollout.phase === 'complete' && running(s, 'r2', 'fix-1').length === 3);
  assert.deepEqual(await answers(fleet), ['v2/hello-fixed', 'v2/hello-fixed', 'v2/hello-fixed']);
  assert.equal((await cli('rollout', 'rollback', '--service', service)).code, 0);
  await status.until('r2 rolled back, fix-1 kept', (s) => s.rollout?.phase === 'rolled-back' && running(s, '(start)', 'fix-1').length === 3);

  // A patch that breaks greet: the canary's health callback fails, the gate reverts it there.
  const fixed = APP.replace("return 'hello';", "return 'hello-fixed';");
  const broken = patchFile('fix-2', "throw new Error('greet is broken');", fixed);
  assert.equal((await cli('publish', '--service', service, '--canary', '33%', '--bake', '60s', broken)).code, 0);
  // The gate can fail between two reads of the watch: the canary's own lines show it ran fix-2.
  const back = await status.until('fix-2 rolled back', (s) => s.rollout?.version === 'fix-2' && s.rollout.phase === 'rolled-back');
  assert.match(back.rollout?.reason ?? '', /health gate failed at stage 1 of 2: \S+ reports unhealthy: greet is broken/);
  const admitted = back.rollout?.admitted;
  assert.ok(Array.isArray(admitted) && admitted.length === 1, JSON.stringify(admitted));
  const canary = fleet.find((host) => host.name === admitted[0]) as Host;
  await canary.next(/state applied fix-2 \n(?:.*\n)*?state reverted fix-2 /);
  await status.until('fix-2 reverted everywhere', (s) => running(s, '(start)', 'fix-1').length === 3);
  assert.deepEqual(await answers(fleet), ['v1/hello-fixed', 'v1/hello-fixed', 'v1/hello-fixed']);

  // An instance started later applies the service's patch before it serves.
  const late = start('d', v1);
  await late.next(/state applied fix-1/);
  await late.next(/ready\n/);
  assert.equal(await late.answer(), 'v1/hello-fixed');

  // An instance without a hotfix engine refuses the next patch: reported, and the patch rolled back everywhere.
  const bare = start('e', v1, { HOTFIX: 'off' });
  await bare.next(/ready\n/);
  assert.equal((await cli('publish', '--service', service, patchFile('fix-3', "return 'hello-again';", fixed))).code, 0);
  await bare.next(/state refused fix-3 HOTSWAP_ERR_FLEET_HOTFIX_UNSUPPORTED/);
  const refused = await status.until('fix-3 rolled back', (s) => s.rollout?.version === 'fix-3' && s.rollout.phase === 'rolled-back');
  assert.match(refused.rollout?.reason ?? '', /^e refused fix-3: HOTSWAP_ERR_FLEET_HOTFIX_UNSUPPORTED/);
  await status.until('fix-3 reverted where it applied', (s) => running(s, '(start)', 'fix-1').length === 4);
  assert.deepEqual(await answers([...fleet, late]), ['v1/hello-fixed', 'v1/hello-fixed', 'v1/hello-fixed', 'v1/hello-fixed']);
});
