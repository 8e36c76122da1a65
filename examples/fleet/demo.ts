/**
 * The fleet example, end to end with real processes and the Redis server at REDIS_URL (default
 * redis://127.0.0.1:6379): `npm run demo:fleet`.
 *
 * 1. builds the `score` plugin (v1) and starts three instances of a game server on it, each joined
 *    to the service `fleet-demo-<random>` through Redis and scoring rounds all the time; starts
 *    `hotswap rollout status --watch`, whose output is shown as it comes (lines with `│`);
 * 2. edits the rule, builds v2, and publishes it with `hotswap publish --canary 33% --bake 2s`: one
 *    instance first, then, after a healthy bake, the others;
 * 3. builds v3 with a bug (a round with an assist throws) and publishes it the same way: its
 *    canary's error rate fails the health gate and the release is rolled back, automatically;
 * 4. asks each instance for its rule, prints `hotswap rollout status`, stops the instances (each
 *    reports `left`) and removes the demo's keys and blobs from Redis.
 *
 * Exits 0 only if every instance runs v2 and v3 was rolled back by the gate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { manifestFileName, parseManifest } from '../../src/artifact/manifest.js';
import { blobChunkKey, blobMetaKey, allServiceKeys } from '../../src/fleet/keys.js';
import { CLI, runDemo, runHotswap } from '../shared/processes.js';

/** dist/examples/fleet/ → examples/fleet/plugins/score/ in the source tree. */
const PLUGIN_SOURCE = fileURLToPath(new URL('../../../examples/fleet/plugins/score/', import.meta.url));
const INSTANCE = fileURLToPath(new URL('./instance.js', import.meta.url));
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const NAMES = ['eu-1', 'eu-2', 'us-1'];
const DEADLINE_MS = 30_000;

const say = (line: string): void => console.log(line);

/** A process's output lines, shown as they come (indented by `prefix`), with a wait for one that matches. */
class Instance {
  #out = '';
  constructor(
    readonly child: ChildProcess,
    prefix = '  ',
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#out += chunk;
      process.stdout.write(chunk.replace(/^(?=.)/gm, prefix));
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
  let watcher: Instance | undefined;
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

    watcher = new Instance(
      spawn(process.execPath, [CLI, 'rollout', 'status', '--redis', REDIS_URL, '--service', service, '--watch'], { stdio: ['ignore', 'pipe', 'inherit'] }),
      '  │ ',
    );

    const index = join(plugin, 'index.ts');
    const edit = async (from: string, to: string): Promise<void> => {
      const text = await readFile(index, 'utf8');
      if (!text.includes(from)) throw new Error(`${index} has no ${from}`);
      await writeFile(index, text.replace(from, to));
    };
    const release = async (version: string): Promise<void> => {
      say(await hotswap(['build', '--version', version, plugin, join(work, version)]));
      say(await hotswap(['publish', '--redis', REDIS_URL, '--service', service, '--version', version, '--canary', '33%', '--bake', version === 'v3' ? '30s' : '2s', join(work, version)]));
      published.push(parseManifest(await readFile(join(work, version, manifestFileName('score')), 'utf8'), 'score').sha256);
    };

    say('v2: assists score 5 points; one instance first, the others after a 2 s bake');
    await edit("'v1: 10 points a hit'", "'v2: 10 points a hit, 5 for an assist'");
    await edit('assists * 0', 'assists * 5');
    await release('v2');
    await Promise.all(instances.map((instance) => instance.waitFor(/applied v2/)));
    await watcher.waitFor(/release v2 .*: complete/);

    say('v3: a bug (a round with an assist throws); its canary fails the health gate');
    await edit("'v2: 10 points a hit, 5 for an assist'", "'v3: assists from the new table'");
    await edit('assists * 5', "(assists > 0 ? Number(({} as { table: { points: number } }).table.points) : 0)");
    await release('v3');
    await watcher.waitFor(/release v3 .*: rolled-back \(health gate failed/);
    await watcher.waitFor(/release v3 .*: rolled-back(?:.*\n)*(?:.*runs v2 .*\n){3}/);

    for (const instance of instances) instance.child.stdin?.write('?\n');
    await Promise.all(instances.map((instance) => instance.waitFor(/rule "v2:/)));
    say(await hotswap(['rollout', 'status', '--redis', REDIS_URL, '--service', service]));
    return true;
  } finally {
    watcher?.child.kill('SIGTERM');
    await Promise.all(
      instances.map(async (instance) => {
        const exited = new Promise((resolve) => instance.child.once('exit', resolve));
        instance.child.kill('SIGTERM');
        await exited;
      }),
    );
    const blobs = published.flatMap((sha) => [blobMetaKey(sha), blobChunkKey(sha, 0)]);
    await redis.del(...allServiceKeys(service), ...blobs).catch(() => undefined);
    redis.disconnect();
    await rm(work, { recursive: true, force: true });
  }
}

runDemo(main, 'every instance runs v2, after a canary; v3 was rolled back by the health gate');
