/**
 * The app `hotswap dev` runs: a child Node process with hotswap's loader (its files can be patched
 * by redirection, on any Node and any heap) and a control server with a hotfix engine, as
 * `hotswap run` starts it. Stopping is graceful: SIGTERM, then SIGKILL if it has not exited in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connectControl, type ControlClient } from '../control/client.js';
import { readRecord } from '../discovery/host-record.js';
import { runtimeDirPath } from '../discovery/runtime-dir.js';
import { ControlUnavailableError } from '../errors.js';
import { LIFELINE_ENV, LIFELINE_FD } from '../cli/lifeline.js';
import { programNodeArgs } from '../cli/program-args.js';


/** How long a stopped app may take to exit after SIGTERM before it is killed. */
export const STOP_GRACE_MS = 5000;
/** How long the app may take to start answering on its control socket. */
export const START_TIMEOUT_MS = 30_000;
const SOCKET_POLL_MS = 20;

export interface AppOptions {
  readonly entry: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** With --json, the app's stdout goes to stderr: stdout carries the events alone. */
  readonly stdoutToStderr: boolean;
  /** Called when the app exits on its own (not stopped by us). */
  readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export class AppProcess {
  readonly #options: AppOptions;
  #child: ChildProcess | undefined;
  #client: ControlClient | undefined;
  #stopping = false;

  constructor(options: AppOptions) {
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  /** Starts the app and resolves once its control server answers. */
  async start(): Promise<ControlClient> {
    const { entry, args, env, stdoutToStderr } = this.#options;
    // As `hotswap run` runs a program; its lifeline ends the app with `hotswap dev`, however that ends.
    const child = spawn(process.execPath, [...programNodeArgs({ control: true }), entry, ...args], {
      env: { ...env, [LIFELINE_ENV]: String(LIFELINE_FD) },
      stdio: ['inherit', stdoutToStderr ? 'pipe' : 'inherit', 'inherit', 'pipe'],
    });
    // The app going first ends the pipe from its side: nothing to report.
    child.stdio[LIFELINE_FD]?.on('error', () => {});
    if (stdoutToStderr) child.stdout?.pipe(process.stderr, { end: false });
    this.#child = child;
    this.#stopping = false;
    child.once('exit', (code, signal) => {
      this.#client?.close();
      this.#client = undefined;
      if (!this.#stopping && this.#child === child) this.#options.onExit(code, signal);
    });
    const client = await this.#connect(child);
    // The control server answers before the program's first line; the app counts as started once
    // its entry module runs, when every module it imports statically is loaded (and patchable).
    await this.#entryLoaded(child, client);
    await client.call('hotfix.warm');
    this.#client = client;
    return client;
  }

  async #entryLoaded(child: ChildProcess, client: ControlClient): Promise<void> {
    const entry = resolve(this.#options.entry);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const modules = (await client.call('hotfix.modules')) as readonly { file: string }[];
      if (modules.some((m) => m.file === entry)) return;
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) return;
      await delay(SOCKET_POLL_MS);
    }
  }

  /** The control connection to the running app, or undefined when it is not running. */
  get control(): ControlClient | undefined {
    return this.#client;
  }

  /** SIGTERM, and SIGKILL after STOP_GRACE_MS; resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    this.#stopping = true;
    this.#client?.close();
    this.#client = undefined;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** The app's control socket appears in its host record once the preload has started the server. */
  async #connect(child: ChildProcess): Promise<ControlClient> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    const dir = runtimeDirPath(this.#options.env);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new ControlUnavailableError('(none)', `of the app was never opened: the app exited (${child.signalCode ?? `code ${String(child.exitCode)}`}) before it answered`);
      }
      const socket = child.pid === undefined ? undefined : readRecord(dir, child.pid)?.socket;
      if (socket !== undefined) return connectControl(socket);
      if (Date.now() > deadline) throw new ControlUnavailableError('(none)', `of the app did not open within ${START_TIMEOUT_MS} ms`);
      await delay(SOCKET_POLL_MS);
    }
  }
}
