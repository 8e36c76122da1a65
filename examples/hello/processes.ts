/**
 * The child processes a driver (the demo, the end-to-end test) runs: the hello host, followed
 * through the JSON lines it prints, and the real `hotswap` CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** dist/examples/hello/ → dist/src/cli/main.js: the compiled `hotswap` command. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const HOST = fileURLToPath(new URL('./host.js', import.meta.url));

/** A JSON line the host printed: `{ "event": "ready" | "reload" | "freed", ... }`. */
export interface HostEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface HostOptions {
  readonly pluginDir: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  readonly freeDelay?: number;
  /** Node options for the host, e.g. ['--expose-gc']. */
  readonly execArgv?: readonly string[];
  /** Called with each plain-text line the host prints (plugin logs). */
  readonly onLog?: (line: string) => void;
}

interface Watcher {
  readonly match: (event: HostEvent) => boolean;
  readonly resolve: (event: HostEvent) => void;
  readonly reject: (error: Error) => void;
}

export class HostProcess {
  readonly child: ChildProcess;
  readonly events: HostEvent[] = [];
  #stderr = '';
  #exited = false;
  readonly #watchers = new Set<Watcher>();
  #port = 0;

  private constructor(child: ChildProcess, onLog: ((line: string) => void) | undefined) {
    this.child = child;
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.#line(line, onLog);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    child.once('exit', (code, signal) => {
      this.#exited = true;
      const error = new Error(`host exited (${signal ?? code}) before the awaited event; stderr:\n${this.#stderr}`);
      for (const watcher of this.#watchers) watcher.reject(error);
      this.#watchers.clear();
    });
  }

  /** Spawns the host and resolves once it listens. Kill it (`kill()`) in every path. */
  static async start(options: HostOptions): Promise<HostProcess> {
    const args = [...(options.execArgv ?? []), HOST, '--plugins', options.pluginDir, '--port', String(options.port ?? 0)];
    if (options.freeDelay !== undefined) args.push('--free-delay', String(options.freeDelay));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const host = new HostProcess(child, options.onLog);
    const ready = host.next('ready');
    // A spawn failure (no such executable) is an 'error' event, not an exit.
    const failed = once(child, 'error').then(([error]) => {
      throw error as Error;
    });
    failed.catch(() => {}); // it may come after the race is decided
    try {
      host.#port = (await Promise.race([ready, failed])).port as number;
    } catch (error) {
      await host.kill();
      throw error;
    }
    return host;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get port(): number {
    return this.#port;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /**
   * The next event named `name` (and matching `match`) printed after this call. Call it before
   * doing what triggers the event, so the event cannot come first.
   */
  next(name: string, match: (event: HostEvent) => boolean = () => true): Promise<HostEvent> {
    if (this.#exited) return Promise.reject(new Error(`host has exited; stderr:\n${this.#stderr}`));
    return new Promise((resolve, reject) => {
      this.#watchers.add({ match: (e) => e.event === name && match(e), resolve, reject });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  async kill(graceMs = 3000): Promise<void> {
    if (this.#exited || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #line(line: string, onLog: ((line: string) => void) | undefined): void {
    let event: HostEvent | undefined;
    if (line.startsWith('{')) {
      try {
        event = JSON.parse(line) as HostEvent;
      } catch {
        event = undefined;
      }
    }
    if (event === undefined || typeof event.event !== 'string') {
      onLog?.(line);
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

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `hotswap` CLI (`node dist/src/cli/main.js ...args`) and waits for it to exit. */
export function runHotswap(args: readonly string[], cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
