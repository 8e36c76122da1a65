/**
 * The WebSocket servers as child processes, followed through the JSON lines they print (the
 * examples' host driver, examples/shared/processes.ts): the hotswap host (host.ts, commands on
 * stdin) and the same server under `node --watch` (a generated entry that imports server.ts and a
 * plain reply module; editing the module restarts it).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExampleHost, type HostEvent } from '../../../examples/shared/processes.js';
import { plainModuleSource } from './protocol.js';

/** dist/bench/lib/ws/host.js, dist/bench/lib/ws/server.js. */
export const HOST = fileURLToPath(new URL('./host.js', import.meta.url));
const SERVER_URL = new URL('./server.js', import.meta.url).href;

export type ServerEvent = HostEvent;

export class ServerProcess {
  private constructor(private readonly host: ExampleHost) {}

  /** The hotswap host on `pluginDir`; resolves with it and its `ready` event. */
  static async hotswap(options: { pluginDir: string; freeDelay?: number; execArgv?: readonly string[] }): Promise<{ server: ServerProcess; port: number }> {
    const args = ['--plugins', options.pluginDir];
    if (options.freeDelay !== undefined) args.push('--free-delay', String(options.freeDelay));
    return ServerProcess.#start(ExampleHost.start({ script: HOST, args, ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }) }));
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
    return ServerProcess.#start(ExampleHost.start({ script: entry, execArgv: ['--watch'], cwd: options.dir }));
  }

  static async #start(starting: Promise<ExampleHost>): Promise<{ server: ServerProcess; port: number }> {
    const host = await starting;
    const ready = host.events.find((event) => event.event === 'ready');
    return { server: new ServerProcess(host), port: typeof ready?.port === 'number' ? ready.port : 0 };
  }

  get events(): readonly ServerEvent[] {
    return this.host.events;
  }

  /** Lines that are not JSON events (node --watch's own messages, warnings). */
  get log(): readonly string[] {
    return this.host.logs;
  }

  get stderr(): string {
    return this.host.stderr;
  }

  /** The next event named `name` (and matching `match`) printed after this call. */
  next(name: string, match?: (event: ServerEvent) => boolean): Promise<ServerEvent> {
    return this.host.next(name, match);
  }

  /** Sends a command line to the hotswap host's stdin. */
  command(command: Record<string, unknown>): void {
    this.host.child.stdin?.write(JSON.stringify(command) + '\n');
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

  /** Ends its stdin, then SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  kill(graceMs = 3000): Promise<void> {
    this.host.child.stdin?.end();
    return this.host.kill(graceMs);
  }
}

/** Writes version `version` of the plain reply module: under `node --watch`, a restart. */
export function writePlainVersion(dir: string, version: string): Promise<void> {
  return writeFile(join(dir, 'reply.mjs'), plainModuleSource(version));
}
