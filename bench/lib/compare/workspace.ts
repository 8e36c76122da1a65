/**
 * A temporary workspace per measured run: the server's files in `app/` (a `"type": "module"`
 * package whose node_modules links hotswap, hot-hook and dynohot), the servers' exit numbers in
 * `stats/`, and a private PM2_HOME in `pm2/`. Plus the child processes, the HTTP helpers and the
 * free-port lookup the alternatives share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request, type Agent } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATS_MODULE } from './servers.js';

/** The repository (or the private copy of it the bench runs from): dist/bench/lib/compare/ → ./ */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Workspace {
  readonly root: string;
  readonly app: string;
  readonly stats: string;
  readonly pm2Home: string;
}

export async function makeWorkspace(files: Readonly<Record<string, string>>): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-compare-'));
  const ws = { root, app: join(root, 'app'), stats: join(root, 'stats'), pm2Home: join(root, 'pm2') };
  await mkdir(join(ws.app, 'node_modules'), { recursive: true });
  await mkdir(ws.stats);
  await mkdir(ws.pm2Home);
  await writeFile(join(ws.app, 'package.json'), JSON.stringify({ name: 'compare-app', private: true, type: 'module' }, null, 2));
  await symlink(REPO, join(ws.app, 'node_modules', 'hotswap'), 'junction');
  for (const name of ['hot-hook', 'dynohot']) await symlink(join(REPO, 'node_modules', name), join(ws.app, 'node_modules', name), 'junction');
  await writeFile(join(ws.app, 'stats.js'), STATS_MODULE);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(ws.app, name, '..'), { recursive: true });
    await writeFile(join(ws.app, name), text);
  }
  return ws;
}

export async function removeWorkspace(ws: Workspace): Promise<void> {
  await rm(ws.root, { recursive: true, force: true, maxRetries: 3 });
}

/** What a server wrote when it exited (bench/lib/compare/servers.ts STATS_MODULE). */
export interface ServerNumbers {
  readonly pid: number;
  readonly node: string;
  /** [epoch ms at the end of a 100 ms window, longest event-loop delay in it (ms)] */
  readonly samples: readonly (readonly [number, number])[];
  readonly reloads: number;
  readonly failed: number;
  readonly lastError?: string;
  /** Per kind of timing, one value per reload: durationMs (plugin), pauseMs, verifyMs, applyMs (hotfix: applyMs is the wall time of engine.apply). */
  readonly timings: Readonly<Record<string, readonly number[]>>;
  readonly heapUsed: number;
  readonly rss: number;
  readonly retired?: number;
  readonly newVersions?: number;
}

/** Every server process's exit numbers, one per process that ran (restarts and workers included). */
export async function exitNumbers(ws: Workspace): Promise<ServerNumbers[]> {
  const names = (await readdir(ws.stats)).filter((name) => name.startsWith('exit-'));
  return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(ws.stats, name), 'utf8')) as ServerNumbers));
}

/** The longest event-loop delay of any process in [from, to] (epoch ms), or undefined if none was sampled. */
export function longestDelay(numbers: readonly ServerNumbers[], from: number, to: number): number | undefined {
  let longest: number | undefined;
  for (const process of numbers) {
    for (const [at, delay] of process.samples) {
      if (at > from && at <= to + 100) longest = Math.max(longest ?? 0, delay);
    }
  }
  return longest;
}

/** A port free now (the restart-based tools need a fixed one to bind again). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** A child process whose stderr (the end of it) is kept for error messages. */
export class Child {
  readonly process: ChildProcess;
  #log = '';
  #exited = false;
  readonly exited: Promise<void>;

  constructor(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.process = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: string): void => {
      this.#log = (this.#log + chunk).slice(-4000);
    };
    this.process.stdout?.setEncoding('utf8').on('data', keep);
    this.process.stderr?.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) => {
      this.process.once('error', (error) => {
        keep(`spawn error: ${error.message}\n`);
        this.#exited = true;
        resolve();
      });
      this.process.once('exit', (code, signal) => {
        keep(`[exited ${signal ?? code}]\n`);
        this.#exited = true;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  get log(): string {
    return this.#log;
  }

  signal(name: NodeJS.Signals): void {
    if (!this.#exited) this.process.kill(name);
  }

  /** `signal`, then SIGKILL if it has not exited within `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (this.#exited) return;
    this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Runs a command to its end; rejects on a non-zero exit with its output. */
export async function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string> {
  const child = new Child(command, args, options);
  const timer = setTimeout(() => child.signal('SIGKILL'), options.timeoutMs ?? 60_000);
  await child.exited;
  clearTimeout(timer);
  if (child.process.exitCode !== 0) throw new Error(`${args.join(' ')} failed:\n${child.log}`);
  return child.log;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request to 127.0.0.1:port. */
export function http(port: number, path: string, options: { method?: string; body?: string; timeoutMs?: number; agent?: Agent | false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: options.agent ?? false, timeout: options.timeoutMs ?? 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer on ${path} after ${options.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Polls `/` until it answers `expected`: resolves with the milliseconds since `since`
 * (performance.now()), or undefined if `deadlineMs` passed first. A new connection per poll (a
 * keep-alive one would stay on one pm2 worker); 1 ms pause after a failed poll (a restarting server
 * refuses connections), none after an answer from the old code.
 */
export async function probe(port: number, expected: string, since: number, deadlineMs: number): Promise<number | undefined> {
  for (let polls = 0; polls < 200_000; polls++) {
    if (performance.now() - since > deadlineMs) return undefined;
    try {
      const reply = await http(port, '/', { timeoutMs: 2000 });
      if (reply.status === 200 && reply.body === expected) return performance.now() - since;
    } catch {
      await sleep(1);
    }
  }
  return undefined;
}

/** Waits until `/` answers `expected` (a server starting), or throws with `log()` after `timeoutMs`. */
export async function waitReady(port: number, expected: string, timeoutMs: number, log: () => string): Promise<void> {
  const since = performance.now();
  for (;;) {
    const elapsed = await probeOnce(port, expected);
    if (elapsed) return;
    if (performance.now() - since > timeoutMs) throw new Error(`the server did not answer ${expected} within ${timeoutMs} ms:\n${log()}`);
    await sleep(50);
  }
}

async function probeOnce(port: number, expected: string): Promise<boolean> {
  try {
    const reply = await http(port, '/', { timeoutMs: 2000 });
    return reply.status === 200 && reply.body === expected;
  } catch {
    return false;
  }
}
