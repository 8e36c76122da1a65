/**
 * A fleet on this machine: 16 instances of a server with a 1.5 MB plugin joined to one service
 * through the Redis server at REDIS_URL; 20 releases published one after another. For each: the
 * time from the start of the publish (storing the artifact, recording the release) to the last
 * instance reporting it applied; failed requests while the releases land (every instance asked in
 * turn, a request every 2 ms); and the Redis memory each release takes.
 *
 *   node dist/bench/fleet.js [--instances 16] [--releases 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { blobChunkKey, blobMetaKey, serviceKeys } from '../src/fleet/keys.js';
import { publishRelease } from '../src/fleet/release.js';
import { buildBigPlugin, readTemplate, writeVariant, PLUGIN_NAME } from './lib/big-plugin.js';
import { freePort } from './lib/compare/workspace.js';
import { printTable } from './lib/report.js';
import { quantile } from './lib/stats.js';

const { values } = parseArgs({ options: { instances: { type: 'string', default: '16' }, releases: { type: 'string', default: '20' } } });
const INSTANCES = Number(values.instances);
const RELEASES = Number(values.releases);
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const HOST = `
import http from 'node:http';
import { PluginManager } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
import { joinFleet } from ${JSON.stringify(new URL('../src/fleet/index.js', import.meta.url).href)};
const [pluginDir, service, name, port] = process.argv.slice(2);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const manager = new PluginManager({ pluginDir, logger: silent, freeDelay: 0 });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
http.createServer((req, res) => res.end(String(manager.invoke(${JSON.stringify(PLUGIN_NAME)}, 'version')))).listen(Number(port), '127.0.0.1', async () => {
  await joinFleet({ redis: ${JSON.stringify(REDIS_URL)}, service, manager, instanceId: name,
    onState: (s) => process.stdout.write('state ' + s.state + ' ' + (s.release ?? '-') + ' ' + (s.code ?? '') + '\\n') });
  process.stdout.write('ready\\n');
});
`;

function ask(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      res.resume().on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'hotswap-bench-fleet-'));
const service = `bench-${randomUUID()}`;
const redis = new Redis(REDIS_URL);
const children: ChildProcess[] = [];
const blobs: string[] = [];
try {
  const templateDir = join(dir, 'template');
  const built = await buildBigPlugin(join(dir, 'src'), templateDir, 0);
  const template = await readTemplate(templateDir);
  writeFileSync(join(dir, 'host.mjs'), HOST);

  // Who has applied which release: each host's lines, waited for by release.
  const applied = new Map<string, Set<number>>();
  const waiting = new Map<string, () => void>();
  const ports: number[] = [];
  let ready = 0;
  for (let i = 0; i < INSTANCES; i++) {
    const port = await freePort();
    ports.push(port);
    const child = spawn(process.execPath, ['host.mjs', templateDir, service, `i${i}`, String(port)], { cwd: dir, env: { ...process.env, HOTSWAP_RUNTIME_DIR: join(dir, 'runtime') }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let at = buffered.indexOf('\n'); at !== -1; at = buffered.indexOf('\n')) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        if (line === 'ready') ready++;
        const match = /^state (applied|refused) (\S+)/.exec(line);
        if (match === null) continue;
        if (match[1] === 'refused') throw new Error(`instance i${i} refused ${match[2] ?? ''}: ${line}`);
        const set = applied.get(match[2] ?? '') ?? new Set<number>();
        set.add(i);
        applied.set(match[2] ?? '', set);
        if (set.size === INSTANCES) waiting.get(match[2] ?? '')?.();
      }
    });
  }
  while (ready < INSTANCES) await delay(20);

  // Light load the whole time: the instances asked in turn, a request every 2 ms.
  let failed = 0;
  let requests = 0;
  let polling = true;
  const poller = (async () => {
    for (let n = 0; polling; n++) {
      requests++;
      await ask(ports[n % ports.length] as number).catch(() => void failed++);
      await delay(2);
    }
  })();

  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const times: number[] = [];
  for (let r = 1; r <= RELEASES; r++) {
    const releaseDir = join(dir, `release-${r}`);
    mkdirSync(releaseDir);
    await writeVariant(template, releaseDir, r);
    const version = `r${r}`;
    const all = new Promise<void>((resolve) => waiting.set(version, resolve));
    const started = performance.now();
    const published = await publishRelease(redis, { service, buildDir: releaseDir, version });
    blobs.push(...published.release.plugins.map((p) => p.sha256));
    await all;
    times.push(performance.now() - started);
  }
  const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  polling = false;
  await poller;

  printTable(
    `fleet: publish → applied on every instance, ${INSTANCES} instances, ${RELEASES} releases of a ${(built.artifactBytes / 1e6).toFixed(1)} MB artifact`,
    [`Redis at ${REDIS_URL.replace(/\/\/[^@]*@/, '//')}; light load: every instance asked in turn, a request every 2 ms`],
    ['p50 ms', 'p99 ms', 'max ms', 'requests', 'failed requests', 'Redis memory per release'],
    [[quantile(times, 0.5).toFixed(0), quantile(times, 0.99).toFixed(0), Math.max(...times).toFixed(0), String(requests), String(failed), `${((memoryAfter - memoryBefore) / RELEASES / 1e6).toFixed(2)} MB`]],
  );
} finally {
  for (const child of children) child.kill('SIGKILL');
  const chunks = blobs.flatMap((sha) => [blobMetaKey(sha), ...Array.from({ length: 8 }, (_, i) => blobChunkKey(sha, i))]);
  await redis.del(...Object.values(serviceKeys(service)), ...chunks).catch(() => undefined);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
}
