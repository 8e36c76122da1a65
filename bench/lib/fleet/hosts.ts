/**
 * The instances of the fleet benchmark: child processes running HOST_SOURCE (sources.ts), one port
 * each, joined to one service. Each prints its states on stdout; this side timestamps every line as
 * it arrives (Date.now(), the clock the rollout driver writes its states with on this machine) and
 * keeps, per instance, the release it runs and when that last changed. `waitFor` resolves when a
 * condition on those holds, checked at every line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { blobMetaKey, allServiceKeys, serviceKeys } from '../../../src/fleet/keys.js';
import { freePort } from '../compare/workspace.js';
import { ask } from './load.js';
import { HOST_SOURCE } from './sources.js';

export interface ProcessState {
  readonly pid: number;
  /** Requests to `/` the process served, counted in its memory. */
  readonly served: number;
}

export class FleetHosts {
  readonly ports: readonly number[];
  /** Per instance: the id of the release it runs (undefined: the plugins it started with). */
  readonly running: (string | undefined)[];
  /** Per instance: when (Date.now()) the line reporting a change of `running` arrived. */
  readonly changedAt: number[];
  readonly #children: ChildProcess[] = [];
  readonly #exits: Promise<void>[] = [];
  readonly #stderr: string[];
  /** Instances that reported a release (by its version) applied. */
  readonly #applied = new Map<string, Set<number>>();
  readonly #listeners = new Set<() => void>();
  #ready = 0;
  #failure: Error | undefined;
  #stopping = false;

  private constructor(ports: readonly number[]) {
    this.ports = ports;
    this.running = ports.map(() => undefined);
    this.changedAt = ports.map(() => 0);
    this.#stderr = ports.map(() => '');
  }

  /** Starts `count` instances of `service` over the plugins in `templateDir`; resolves once each has joined. */
  static async start(options: { count: number; dir: string; templateDir: string; service: string; redisUrl: string; timeoutMs?: number }): Promise<FleetHosts> {
    const script = join(options.dir, 'host.mjs');
    writeFileSync(script, HOST_SOURCE);
    const ports: number[] = [];
    for (let i = 0; i < options.count; i++) ports.push(await freePort());
    const hosts = new FleetHosts(ports);
    for (const [i, port] of ports.entries()) hosts.#spawn(i, script, [options.templateDir, options.service, `i${i}`, String(port), options.redisUrl], options.dir);
    try {
      await hosts.waitFor(`${options.count} instances joined`, () => hosts.#ready === options.count, options.timeoutMs ?? 120_000);
    } catch (error) {
      await hosts.stop();
      throw error;
    }
    return hosts;
  }

  #spawn(i: number, script: string, args: readonly string[], dir: string): void {
    const child = spawn(process.execPath, [script, ...args], { cwd: dir, env: { ...process.env, HOTSWAP_RUNTIME_DIR: join(dir, 'runtime') }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    this.#exits.push(
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          if (!this.#stopping) this.#fail(new Error(`instance i${i} exited (${signal ?? code}):\n${this.#stderr[i] ?? ''}`));
          resolve();
        });
        child.once('error', (error) => {
          this.#fail(error);
          resolve();
        });
      }),
    );
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr[i] = ((this.#stderr[i] ?? '') + chunk).slice(-4000)));
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let at = buffered.indexOf('\n'); at !== -1; at = buffered.indexOf('\n')) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        this.#line(i, line, Date.now());
      }
    });
  }

  #line(i: number, line: string, now: number): void {
    if (line === 'ready') this.#ready++;
    // state <state> <release> <running release id> <code>
    const [word, state, release, runningId, code] = line.split(' ');
    if (word === 'state' && state !== undefined && release !== undefined) {
      const running = runningId === undefined || runningId === '-' ? undefined : runningId;
      if (running !== this.running[i]) {
        this.running[i] = running;
        this.changedAt[i] = now;
      }
      if (state === 'applied') {
        const set = this.#applied.get(release) ?? new Set<number>();
        set.add(i);
        this.#applied.set(release, set);
      }
      if (state === 'refused') this.#fail(new Error(`instance i${i} refused ${release}: ${code ?? ''}: ${line}`));
    }
    for (const listener of [...this.#listeners]) listener();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const listener of [...this.#listeners]) listener();
  }

  /** How many instances reported the release of version `version` applied. */
  appliedCount(version: string): number {
    return this.#applied.get(version)?.size ?? 0;
  }

  /**
   * Resolves with Date.now() once `predicate` holds (checked now and at every line an instance
   * prints); rejects when an instance refuses a release or exits, or after `timeoutMs`.
   */
  waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<number> {
    const waited = new Promise<number>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      const check = (): void => {
        if (this.#failure !== undefined) {
          done();
          reject(this.#failure);
        } else if (predicate()) {
          done();
          resolve(Date.now());
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: not within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
    // Handled here too: a wait made before a publish may fail before the caller awaits it.
    waited.catch(() => undefined);
    return waited;
  }

  /** Each instance's process and request counter, asked over HTTP. */
  states(): Promise<ProcessState[]> {
    return Promise.all(this.ports.map(async (port) => JSON.parse((await ask(port, '/state')).body) as ProcessState));
  }

  /** Kills every instance (SIGKILL) and waits until each has exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const child of this.#children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(this.#exits);
  }
}

/** Deletes every key of `service` and every blob whose sha256 is in `blobs` (meta record and chunks). */
export async function removeFromRedis(redis: Redis, service: string, blobs: Iterable<string>): Promise<void> {
  const keys = new Set<string>(allServiceKeys(service));
  const patterns = [`${serviceKeys(service).instances.replace(/:instances$/, '')}:*`, ...[...new Set(blobs)].map((sha) => `${blobMetaKey(sha)}*`)];
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const key of found) keys.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  await redis.del(...keys);
}
