/**
 * Host processes of a fleet for the e2e tests: each runs a PluginManager over plugin `p`, joins a
 * service through Redis, calls `p.version` a few hundred times a second (so a rollout's health
 * gate has calls to count), prints each state it reports, and answers a line on stdin with what
 * `p.version` returns now. With TRUSTED_KEY (a public key file), its manager runs only builds
 * signed with that key. When the test ends, the hosts are killed and the service's keys and the
 * test's blobs removed from Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CLI, run, type CliResult } from '../../examples/shared/processes.js';
import { buildPlugins } from '../../src/build/index.js';
import { blobChunkKey, blobMetaKey, allServiceKeys } from '../../src/fleet/keys.js';
import type { FleetStatus } from '../../src/fleet/status.js';
import { makeTempDir, writePlugin } from './build-fixture.js';
import { WAIT_MS, withTimeout } from './timeout.js';

const HOST = `
import { readFileSync } from 'node:fs';
import { PluginManager } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
import { joinFleet } from ${JSON.stringify(new URL('../../src/fleet/index.js', import.meta.url).href)};
const [pluginDir, service, name] = process.argv.slice(2);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const trust = process.env.TRUSTED_KEY ? { trustedKeys: [readFileSync(process.env.TRUSTED_KEY, 'utf8')] } : {};
const manager = new PluginManager({ pluginDir, logger: silent, freeDelay: 0, ...trust });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
const member = await joinFleet({ redis: process.env.FLEET_REDIS, service, manager, instanceId: name,
  onState: (s) => process.stdout.write('state ' + s.state + ' ' + (s.release ?? '-') + ' ' + (s.code ?? '') + '\\n') });
process.stdout.write('ready\\n');
const call = () => { try { return manager.invoke('p', 'version'); } catch (error) { return 'error:' + error.message.replace(/\\s/g, '_'); } };
const traffic = setInterval(call, 5);
process.stdin.setEncoding('utf8').on('data', () => process.stdout.write('answer ' + call() + '\\n'));
process.on('SIGTERM', async () => { clearInterval(traffic); await member.leave(); await manager.close(); process.exit(0); });
`;

/** A host's output as awaitable lines. */
export class Host {
  #out = '';
  #seen = 0;
  /** Settles when the process has exited. */
  readonly exited: Promise<void>;
  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.#out += chunk));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** The next output matching `pattern`, after what an earlier call matched. */
  next(pattern: RegExp): Promise<RegExpExecArray> {
    return withTimeout(
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(this.#out.slice(this.#seen));
          if (match === null) return;
          this.#seen += match.index + match[0].length;
          this.child.stdout?.off('data', check);
          resolve(match);
        };
        this.child.stdout?.on('data', check);
        this.child.once('exit', (code) => reject(new Error(`${this.name} exited (${String(code)}): ${this.#out}`)));
        check();
      }),
      WAIT_MS,
      () => `${this.name} to print ${String(pattern)}; it printed: ${this.#out}`,
    );
  }

  async answer(): Promise<string> {
    const answered = this.next(/answer (\S+)\n/);
    this.child.stdin?.write('?\n');
    return (await answered)[1] ?? '';
  }
}

/** A temporary directory with the host program, builds of plugin p, and host processes, for one test. */
export function fleetFixture(t: { after(fn: () => unknown): void }, redisUrl: string) {
  const tmp = makeTempDir();
  const service = `test-${randomUUID()}`;
  /** The sha256 of every blob the test stores (one chunk each), removed from Redis when it ends. */
  const blobs: string[] = [];
  /** Writes the source of p at `version`: its `version` function returns the version, or runs `body` when given. Returns p's directory. */
  const source = (version: string, body = `return '${version}';`): string => {
    writePlugin(join(tmp.path, 'src', version), 'p', { 'index.ts': `import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({ functions: { version: (): string => { ${body} } } });\n` });
    return join(tmp.path, 'src', version, 'p');
  };
  /** Builds p at `version` (see `source`) into build-<version>. */
  const build = async (version: string, body?: string): Promise<string> => {
    const out = join(tmp.path, `build-${version}`);
    const [result] = await buildPlugins({ pluginDirs: [source(version, body)], outDir: out, version });
    blobs.push(result?.manifest.sha256 ?? '');
    return out;
  };
  const cli = (...args: string[]): Promise<CliResult> => withTimeout(run(process.execPath, [CLI, ...args], tmp.path, { ...process.env, REDIS_URL: redisUrl }), WAIT_MS, `hotswap ${args.join(' ')}`);
  writeFileSync(join(tmp.path, 'host.mjs'), HOST);
  const hosts: Host[] = [];
  const watchers: ChildProcess[] = [];
  // The hosts are gone before the service's keys are removed: a live instance would record its
  // release again into the emptied Redis (rerecord.ts).
  t.after(async () => {
    for (const host of hosts) host.child.kill('SIGKILL');
    for (const child of watchers) child.kill('SIGTERM');
    await Promise.all(hosts.map((host) => host.exited));
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const blobKeys = blobs.flatMap((sha) => [blobMetaKey(sha), blobChunkKey(sha, 0)]);
      await redis.del(...allServiceKeys(service), ...blobKeys);
    } catch {
      // A private Redis the test stopped: nothing to remove.
    } finally {
      redis.disconnect();
    }
    tmp.cleanup();
  });
  /**
   * Starts `script` (default: the host program) as instance `name`, with `pluginDir`, the service
   * and the name for arguments; `nodeArgs` go before the script.
   */
  const start = (name: string, pluginDir: string, options: { script?: string; nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): Host => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOTSWAP_RUNTIME_DIR: join(tmp.path, 'runtime'), FLEET_REDIS: redisUrl, ...options.env };
    const args = [...(options.nodeArgs ?? []), options.script ?? 'host.mjs', pluginDir, service, name];
    const host = new Host(name, spawn(process.execPath, args, { cwd: tmp.path, env, stdio: ['pipe', 'pipe', 'inherit'] }));
    hosts.push(host);
    return host;
  };
  /** `hotswap rollout status --watch --json` of the service, running until the test ends. */
  const watch = (): RolloutWatch => {
    const child = spawn(process.execPath, [CLI, 'rollout', 'status', '--service', service, '--watch', '--json'], {
      cwd: tmp.path,
      env: { ...process.env, REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    watchers.push(child);
    return new RolloutWatch(child);
  };
  return { tmp, service, blobs, source, build, cli, start, watch };
}

/** The statuses `rollout status --watch --json` printed, one a line, with a wait for one that matches. */
export class RolloutWatch {
  readonly seen: FleetStatus[] = [];
  #waiters: Array<() => void> = [];
  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.seen.push(JSON.parse(line) as FleetStatus);
      for (const waiter of this.#waiters) waiter();
    });
  }

  /** The first status (printed so far or later) for which `predicate` holds. */
  until(what: string, predicate: (status: FleetStatus) => boolean): Promise<FleetStatus> {
    return withTimeout(
      new Promise<FleetStatus>((resolve) => {
        const check = (): void => {
          const found = this.seen.find(predicate);
          if (found === undefined) return;
          this.#waiters = this.#waiters.filter((w) => w !== check);
          resolve(found);
        };
        this.#waiters.push(check);
        check();
      }),
      WAIT_MS,
      () => `rollout status --watch to show ${what}; it showed: ${JSON.stringify(this.seen.at(-1))}`,
    );
  }
}
