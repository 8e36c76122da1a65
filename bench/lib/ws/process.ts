/**
 * The WebSocket servers as child processes, followed through the JSON lines they print: the hotswap
 * host (host.ts, commands on stdin) and the same server under `node --watch` (a generated entry
 * that imports server.ts and a plain reply module; editing the module restarts it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plainModuleSource } from './protocol.js';

/** dist/bench/lib/ws/host.js, dist/bench/lib/ws/server.js. */
export const HOST = fileURLToPath(new URL('./host.js', import.meta.url));
const SERVER_URL = new URL('./server.js', import.meta.url).href;

export interface ServerEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

interface Watcher {
  readonly match: (event: ServerEvent) => boolean;
  readonly resolve: (event: ServerEvent) => void;
  readonly reject: (error: Error) => void;
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly events: ServerEvent[] = [];
  /** Lines that are not JSON events (node --watch's own messages, warnings). */
  readonly log: string[] = [];
  readonly #watchers = new Set<Watcher>();
  #stderr = '';
  #exited = false;

  private constructor(child: ChildProcess) {
    this.child = child;
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        this.#line(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    child.once('exit', (code, signal) => {
      this.#exited = true;
      const error = new Error(`server exited (${signal ?? code}) before the awaited event; stderr:\n${this.#stderr}`);
      for (const watcher of this.#watchers) watcher.reject(error);
      this.#watchers.clear();
    });
  }

  /** The hotswap host on `pluginDir`; resolves with it and its `ready` event. */
  static async hotswap(options: { pluginDir: string; freeDelay?: number; execArgv?: readonly string[] }): Promise<{ server: ServerProcess; port: number }> {
    const args = [...(options.execArgv ?? []), HOST, '--plugins', options.pluginDir];
    if (options.freeDelay !== undefined) args.push('--free-delay', String(options.freeDelay));
    return ServerProcess.#start(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /**
   * The same server under `node --watch`, on a fixed `port` (clients reconnect to it after each
   * restart): writes `dir/entry.mjs` and `dir/reply.mjs` (version `version`), then runs
   * `node --watch entry.mjs`. Write a new version with `writePlainVersion` to restart it.
   */
  static async watch(options: { dir: string; port: number; version: string }): Promise<{ server: ServerProcess; port: number }> {
    const entry = join(options.dir, 'entry.mjs');
    await writePlainVersion(options.dir, options.version);
    await writeFile(
      entry,
      `import { startWsServer } from ${JSON.stringify(SERVER_URL)};\n` +
        "import { reply } from './reply.mjs';\n" +
        `await startWsServer({ port: ${options.port}, reply, mode: 'node --watch' });\n`,
    );
    return ServerProcess.#start(spawn(process.execPath, ['--watch', entry], { cwd: options.dir, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  static async #start(child: ChildProcess): Promise<{ server: ServerProcess; port: number }> {
    const server = new ServerProcess(child);
    const ready = server.next('ready');
    const failed = once(child, 'error').then(([error]) => {
      throw error as Error;
    });
    failed.catch(() => {}); // it may come after the race is decided
    try {
      const event = await Promise.race([ready, failed]);
      return { server, port: event.port as number };
    } catch (error) {
      await server.kill();
      throw error;
    }
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The next event named `name` (and matching `match`) printed after this call. */
  next(name: string, match: (event: ServerEvent) => boolean = () => true): Promise<ServerEvent> {
    if (this.#exited) return Promise.reject(new Error(`server has exited; stderr:\n${this.#stderr}`));
    return new Promise((resolve, reject) => {
      this.#watchers.add({ match: (e) => e.event === name && match(e), resolve, reject });
    });
  }

  /** Sends a command line to the hotswap host's stdin. */
  command(command: Record<string, unknown>): void {
    this.child.stdin?.write(JSON.stringify(command) + '\n');
  }

  /** `{"cmd":"reload"}`, resolving with the `reload` event it causes. */
  reload(): Promise<ServerEvent> {
    const outcome = this.next('reload');
    this.command({ cmd: 'reload' });
    return outcome;
  }

  /** `{"cmd":"stats"}`, resolving with the `stats` event. */
  stats(gc = false): Promise<ServerEvent> {
    const stats = this.next('stats');
    this.command({ cmd: 'stats', gc });
    return stats;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  async kill(graceMs = 3000): Promise<void> {
    if (this.#exited || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin?.end();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #line(line: string): void {
    let event: ServerEvent | undefined;
    if (line.startsWith('{')) {
      try {
        event = JSON.parse(line) as ServerEvent;
      } catch {
        event = undefined;
      }
    }
    if (event === undefined || typeof event.event !== 'string') {
      this.log.push(line);
      return;
    }
    this.events.push(event);
    for (const watcher of this.#watchers) {
      if (!watcher.match(event)) continue;
      this.#watchers.delete(watcher);
      watcher.resolve(event);
    }
  }
}

/** Writes version `version` of the plain reply module: under `node --watch`, a restart. */
export function writePlainVersion(dir: string, version: string): Promise<void> {
  return writeFile(join(dir, 'reply.mjs'), plainModuleSource(version));
}
