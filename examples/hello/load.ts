/**
 * Steady HTTP load on a loopback host, bounded in request count and time: `concurrency` workers,
 * each sending one request after another over keep-alive connections, until stopped or a bound is
 * reached. Every answer is classified by the `version` in its JSON body; a non-2xx status, a
 * transport error or an unreadable body counts as failed.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  readonly port: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 8 */
  readonly concurrency?: number;
  /** No request is started after this many. @default 100_000 */
  readonly maxRequests?: number;
  /** No request is started after this many milliseconds. @default 30_000 */
  readonly maxDurationMs?: number;
  /** A request that has no answer after this long fails. @default 5_000 */
  readonly requestTimeoutMs?: number;
}

/** One answer as the client saw it. */
export interface Answer {
  readonly version: string;
  /** The host's request counter for this request. */
  readonly request: number;
  /** performance.now() of this process when the answer arrived. */
  readonly at: number;
}

export interface LoadReport {
  readonly sent: number;
  readonly answered: readonly Answer[];
  readonly failed: number;
  /** The first few failures, for the message. */
  readonly failures: readonly string[];
  readonly byVersion: ReadonlyMap<string, number>;
  /** Whether it stopped because a bound was reached rather than by stop(). */
  readonly boundReached: boolean;
}

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class Load {
  readonly #options: Required<LoadOptions>;
  readonly #agent: Agent;
  readonly #answered: Answer[] = [];
  readonly #byVersion = new Map<string, number>();
  readonly #failures: string[] = [];
  readonly #waiters = new Set<Waiter>();
  #failed = 0;
  #sent = 0;
  #stopping = false;
  #boundReached = false;
  #startedAt = 0;
  #running = 0;
  #ended = false;
  #workers: Promise<void>[] = [];

  constructor(options: LoadOptions) {
    this.#options = {
      host: '127.0.0.1',
      concurrency: 8,
      maxRequests: 100_000,
      maxDurationMs: 30_000,
      requestTimeoutMs: 5_000,
      ...options,
    };
    this.#agent = new Agent({ keepAlive: true, maxSockets: this.#options.concurrency });
  }

  start(): this {
    this.#startedAt = performance.now();
    this.#running = this.#options.concurrency;
    this.#workers = Array.from({ length: this.#options.concurrency }, (_, i) => this.#worker(i));
    return this;
  }

  get failed(): number {
    return this.#failed;
  }

  count(version: string): number {
    return this.#byVersion.get(version) ?? 0;
  }

  /**
   * Resolves once `done()` holds (checked after every answer); rejects if the load ends first
   * (a bound was reached or stop() was called).
   */
  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    if (this.#ended) return Promise.reject(new Error(this.#endReason()));
    return new Promise((resolve, reject) => this.#waiters.add({ done, resolve, reject }));
  }

  /** Resolves once `n` answers from `version` have come. */
  untilAnswers(version: string, n: number): Promise<void> {
    return this.until(() => this.count(version) >= n);
  }

  /** Stops starting requests, waits for those in flight, and reports. */
  async stop(): Promise<LoadReport> {
    this.#stopping = true;
    await Promise.all(this.#workers);
    this.#agent.destroy();
    return {
      sent: this.#sent,
      answered: this.#answered,
      failed: this.#failed,
      failures: this.#failures,
      byVersion: this.#byVersion,
      boundReached: this.#boundReached,
    };
  }

  async #worker(index: number): Promise<void> {
    const { maxRequests, maxDurationMs } = this.#options;
    while (!this.#stopping) {
      if (this.#sent >= maxRequests || performance.now() - this.#startedAt >= maxDurationMs) {
        this.#boundReached = true;
        this.#stopping = true;
        break;
      }
      this.#sent++;
      try {
        this.#record(await this.#get(`/?name=client-${index}`));
      } catch (error) {
        this.#fail(error instanceof Error ? error.message : String(error));
      }
      this.#settleWaiters();
    }
    if (--this.#running === 0) {
      this.#ended = true;
      this.#settleWaiters();
    }
  }

  #record(body: unknown): void {
    const { version, request } = (body ?? {}) as { version?: unknown; request?: unknown };
    if (typeof version !== 'string' || typeof request !== 'number') {
      this.#fail(`unexpected body ${JSON.stringify(body)}`);
      return;
    }
    this.#answered.push({ version, request, at: performance.now() });
    this.#byVersion.set(version, (this.#byVersion.get(version) ?? 0) + 1);
  }

  #fail(reason: string): void {
    this.#failed++;
    if (this.#failures.length < 5) this.#failures.push(reason);
  }

  /** Resolves the waiters whose condition holds; once every worker has ended, rejects the others. */
  #settleWaiters(): void {
    for (const waiter of this.#waiters) {
      if (waiter.done()) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      } else if (this.#ended) {
        this.#waiters.delete(waiter);
        waiter.reject(new Error(this.#endReason()));
      }
    }
  }

  #endReason(): string {
    const why = this.#boundReached ? 'a bound (request count or duration) was reached' : 'stop() was called';
    return `load ended before the awaited condition held: ${why} (${this.#sent} sent, ${this.#failed} failed)`;
  }

  /** GET `path`, resolving with the parsed JSON body of a 2xx answer. */
  #get(path: string): Promise<unknown> {
    const { host, port, requestTimeoutMs } = this.#options;
    return new Promise((resolve, reject) => {
      const req = request({ host, port, path, agent: this.#agent, timeout: requestTimeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return reject(new Error(`HTTP ${status}: ${text}`));
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`unreadable body: ${text}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer after ${requestTimeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }
}

/** One GET on the host, for the admin routes; rejects on a non-2xx status. */
export function getJson<T = unknown>(port: number, path: string, host = '127.0.0.1'): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(new Error(`GET ${path}: HTTP ${status}: ${text}`));
        try {
          resolve(JSON.parse(text) as T);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}
