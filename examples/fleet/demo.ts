/**
 * The fleet example, end to end with real processes and the Redis server at REDIS_URL (default
 * redis://127.0.0.1:6379): `npm run demo:fleet`.
 *
 * 1. builds the `score` plugin (v1) and starts three instances of a server on it, each joined to
 *    the service `fleet-demo-<random>` through Redis;
 * 2. edits the rule, builds v2, and publishes it once with the real `hotswap publish`;
 * 3. waits for every instance to report it applied, asks each for its rule, and prints
 *    `hotswap rollout status`;
 * 4. stops the instances (each reports `left`) and removes the demo's keys and blobs from Redis.
 *
 * Exits 0 only if every instance runs v2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { manifestFileName, parseManifest } from '../../src/artifact/manifest.js';
import { blobChunkKey, blobMetaKey, serviceKeys } from '../../src/fleet/keys.js';
import { runDemo, runHotswap } from '../shared/processes.js';

/** dist/examples/fleet/ → examples/fleet/plugins/score/ in the source tree. */
const PLUGIN_SOURCE = fileURLToPath(new URL('../../../examples/fleet/plugins/score/', import.meta.url));
const INSTANCE = fileURLToPath(new URL('./instance.js', import.meta.url));
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const NAMES = ['eu-1', 'eu-2', 'us-1'];
const DEADLINE_MS = 30_000;

const say = (line: string): void => console.log(line);

/** An instance's output lines, as they come, with a wait for one that matches. */
class Instance {
  #out = '';
  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#out += chunk;
      process.stdout.write(chunk.replace(/^(?=.)/gm, '  '));
    });
  }
  waitFor(pattern: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      const check = (): void => {
        if (!pattern.test(this.#out)) return;
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        resolve();
      };
      this.child.stdout?.on('data', check);
      check();
    });
  }
}

async function hotswap(args: string[]): Promise<string> {
  say(`$ hotswap ${args.join(' ')}`);
  const run = await runHotswap(args);
  if (run.code !== 0) throw new Error(`hotswap ${args[0] ?? ''} exited ${run.code}:\n${run.stderr}`);
  return run.stdout;
}

async function main(): Promise<boolean> {
  const work = await mkdtemp(join(tmpdir(), 'hotswap-fleet-demo-'));
  const service = `fleet-demo-${randomUUID().slice(0, 8)}`;
  const instances: Instance[] = [];
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  /** The blobs the demo stored (a small artifact: one chunk each). */
  const published: string[] = [];
  try {
    const plugin = join(work, 'score');
    await cp(PLUGIN_SOURCE, plugin, { recursive: true });
    say(await hotswap(['build', '--version', 'v1', plugin, join(work, 'v1')]));
    for (const name of NAMES) {
      const child = spawn(process.execPath, [INSTANCE, join(work, 'v1'), service, name], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, REDIS_URL, HOTSWAP_RUNTIME_DIR: join(work, 'runtime') } });
      instances.push(new Instance(child));
    }
    await Promise.all(instances.map((instance) => instance.waitFor(/ready/)));

    const index = join(plugin, 'index.ts');
    await writeFile(index, (await readFile(index, 'utf8')).replace("'v1: 10 points a hit'", "'v2: 10 points a hit, 5 for an assist'"));
    say(await hotswap(['build', '--version', 'v2', plugin, join(work, 'v2')]));
    say(await hotswap(['publish', '--redis', REDIS_URL, '--service', service, '--version', 'v2', join(work, 'v2')]));
    published.push(parseManifest(await readFile(join(work, 'v2', manifestFileName('score')), 'utf8'), 'score').sha256);
    await Promise.all(instances.map((instance) => instance.waitFor(/applied v2/)));
    for (const instance of instances) instance.child.stdin?.write('?\n');
    await Promise.all(instances.map((instance) => instance.waitFor(/rule "v2:/)));
    say(await hotswap(['rollout', 'status', '--redis', REDIS_URL, '--service', service]));
    return true;
  } finally {
    await Promise.all(
      instances.map(async (instance) => {
        const exited = new Promise((resolve) => instance.child.once('exit', resolve));
        instance.child.kill('SIGTERM');
        await exited;
      }),
    );
    const blobs = published.flatMap((sha) => [blobMetaKey(sha), blobChunkKey(sha, 0)]);
    await redis.del(...Object.values(serviceKeys(service)), ...blobs).catch(() => undefined);
    redis.disconnect();
    await rm(work, { recursive: true, force: true });
  }
}

runDemo(main, 'one publish, every instance runs v2');
