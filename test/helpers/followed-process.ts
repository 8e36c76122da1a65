/**
 * A spawned process followed by a test: what it printed, the lines it is awaited to print, and its
 * end. Every wait is bounded (`within`), so that a test fails with a message instead of hanging.
 */
import type { ChildProcess } from 'node:child_process';
import { within } from './timeout.js';

export { within };

export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class FollowedProcess {
  readonly child: ChildProcess;
  /**
   * Settles once the process has exited and its stdout and stderr pipes are closed: by every
   * process that held them, so also by the children it handed them on to.
   */
  readonly closed: Promise<Ended>;
  #stdout = '';
  #stderr = '';
  #isClosed = false;
  readonly #watchers = new Set<() => void>();

  /** `child` must have been spawned with stdout and stderr as pipes. */
  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stdout += chunk;
      for (const watcher of this.#watchers) watcher();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    this.closed = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        this.#isClosed = true;
        for (const watcher of this.#watchers) watcher();
        resolve({ code, signal });
      });
    });
    this.closed.catch(() => {}); // awaited by the test, or not at all
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The first complete stdout line matching `pattern`, printed already or within `ms`. */
  line(pattern: RegExp, ms: number): Promise<string> {
    let check = (): void => {};
    const found = new Promise<string>((resolve, reject) => {
      check = () => {
        const line = this.#stdout.split('\n').slice(0, -1).find((l) => pattern.test(l));
        if (line === undefined && !this.#isClosed) return;
        if (line === undefined) reject(new Error(`closed without a line matching ${pattern}; ${this.#output()}`));
        else resolve(line);
      };
    });
    this.#watchers.add(check);
    check();
    return within(found, ms, () => `no line matching ${pattern}; ${this.#output()}`).finally(() => this.#watchers.delete(check));
  }

  #output(): string {
    return `stdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`;
  }
}
