/**
 * The driver side of the example hosts (host-io.ts): spawn a host, follow its JSON lines, send it
 * command lines and await their answers; and run the real `hotswap` CLI. Used by the demo drivers
 * and the end-to-end tests. Everything is awaited on what a process says, never on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** dist/examples/shared/ → dist/src/cli/main.js: the compiled `hotswap` command. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A JSON line a host printed: `{ "event": "ready" | "reload" | "freed" | "answer", ... }`. */
export interface HostEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface StartOptions {
  /** The host script (compiled .js) and its arguments. */
  readonly script: string;
  readonly args?: readonly string[];
  /** Node options, e.g. ['--expose-gc']. */
  readonly execArgv?: readonly string[];
  /** Working directory of the host; default: this process's. */
  readonly cwd?: string;
  /** Called with each plain-text line the host prints (plugin logs). */
  readonly onLog?: (line: string) => void;
  /** Called with each event, as it arrives. */
  readonly onEvent?: (event: HostEvent) => void;
}

interface Watcher {
  readonly match: (event: HostEvent) => boolean;
  readonly resolve: (event: HostEvent) => void;
  readonly reject: (error: Error) => void;
}

export class ExampleHost {
  readonly child: ChildProcess;
  readonly events: HostEvent[] = [];
  /** Every plain-text line, in order. */
  readonly logs: string[] = [];
  #stderr = '';
  #exited = false;
  #sent = 0;
  readonly #watchers = new Set<Watcher>();

  private constructor(child: ChildProcess, options: StartOptions) {
    this.child = child;
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.#line(line, options);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    // Writing to a host that died is reported by the watchers below, not as an unhandled error.
    child.stdin?.on('error', () => {});
    child.once('exit', (code, signal) => {
      this.#exited = true;
      const error = new Error(`host exited (${signal ?? code}) before the awaited event; stderr:\n${this.#stderr}`);
      for (const watcher of this.#watchers) watcher.reject(error);
      this.#watchers.clear();
    });
  }

  /** Spawns the host and resolves with it once it printed `ready`. Kill it (`kill()`) in every path. */
  static async start(options: StartOptions): Promise<ExampleHost> {
    const args = [...(options.execArgv ?? []), options.script, ...(options.args ?? [])];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
    const host = new ExampleHost(child, options);
    const ready = host.next('ready');
    // A spawn failure (no such executable) is an 'error' event, not an exit.
    const failed = once(child, 'error').then(([error]) => {
      throw error as Error;
    });
    failed.catch(() => {}); // it may come after the race is decided
    try {
      await Promise.race([ready, failed]);
    } catch (error) {
      await host.kill();
      throw error;
    }
    return host;
  }

  get pid(): number {
    return this.child.pid ?? -1;
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

  /** Sends one command line and resolves with the host's answer to it. */
  ask(command: string): Promise<HostEvent> {
    if (command.trim() === '' || command.includes('\n')) throw new Error(`one non-empty line expected, got ${JSON.stringify(command)}`);
    const n = ++this.#sent;
    const answer = this.next('answer', (e) => e.n === n);
    this.child.stdin?.write(command + '\n');
    return answer;
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

  #line(line: string, options: StartOptions): void {
    let event: HostEvent | undefined;
    if (line.startsWith('{')) {
      try {
        event = JSON.parse(line) as HostEvent;
      } catch {
        event = undefined;
      }
    }
    if (event === undefined || typeof event.event !== 'string') {
      this.logs.push(line);
      options.onLog?.(line);
      return;
    }
    this.events.push(event);
    options.onEvent?.(event);
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
  return run(process.execPath, [CLI, ...args], cwd);
}

/** Runs a program to its end, collecting its output. */
export function run(file: string, args: readonly string[], cwd?: string, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs `hotswap ...args`, echoing the command (`$ hotswap ...`) and its output through `say`;
 * throws with its stderr unless it exits 0. Resolves with its stdout.
 */
export async function hotswap(args: readonly string[], say: (line: string) => void = () => {}): Promise<string> {
  say(`$ hotswap ${args.join(' ')}`);
  const result = await runHotswap(args);
  for (const line of result.stdout.trimEnd().split('\n')) if (line !== '') say(`  ${line}`);
  if (result.code !== 0) throw new Error(`hotswap ${args[0] ?? ''} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/**
 * Gives up on a demo that is not done after `ms`: runs `cleanup` (kill the children), says why,
 * exits 1. Returns a function that cancels it.
 */
export function deadline(ms: number, cleanup: () => void): () => void {
  const timer = setTimeout(() => {
    console.error(`demo: not done after ${ms / 1000} s, giving up`);
    cleanup();
    process.exit(1);
  }, ms);
  return () => clearTimeout(timer);
}

/** A demo's claims, checked one by one: the demo exits 0 only if every one held. */
export class Checks {
  readonly #failed: string[] = [];
  readonly #say: (line: string) => void;

  constructor(say: (line: string) => void) {
    this.#say = say;
  }

  /** Records (and prints) whether `what` held. */
  check(ok: boolean, what: string): boolean {
    this.#say(`  ${ok ? 'ok' : 'NOT OK'}: ${what}`);
    if (!ok) this.#failed.push(what);
    return ok;
  }

  get ok(): boolean {
    return this.#failed.length === 0;
  }

  get failed(): readonly string[] {
    return this.#failed;
  }
}

/** A field of a host event as text: strings as they are, anything else as JSON. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Runs a demo's `main()`: exit code 0 only when it resolved to true. `okLine`, when given, is the
 * closing line printed on success (a failure prints `FAILED: see above.`).
 */
export function runDemo(main: () => Promise<boolean>, okLine?: string): void {
  main().then(
    (ok) => {
      if (okLine !== undefined) console.log(ok ? `\nOK: ${okLine}` : '\nFAILED: see above.');
      process.exitCode = ok ? 0 : 1;
    },
    (error: unknown) => {
      console.error('demo failed:', error);
      process.exitCode = 1;
    },
  );
}
