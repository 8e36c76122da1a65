/**
 * The HTTP load, in its own process so the driver's work (writing files, probing, running pm2)
 * does not delay the load generator's clock: autocannon's programmatic API, `connections`
 * keep-alive connections each sending its next request as soon as the previous one is answered,
 * until the driver says stop (or `maxMs`). A warm-up run comes first and is not counted.
 *
 * Latency: autocannon's own histogram keeps whole milliseconds, too coarse for a server answering
 * in a fraction of one, so every 2xx response's time (its 'response' event, sub-millisecond) is
 * kept here and summarised when the load stops; also for the part before `steadyUntil` (the
 * measured period before the first change), which shows what the alternative costs with no reload.
 *
 * A fix to autocannon 8 (patchReconnect): when a connection fails (refused while a server restarts,
 * reset), autocannon reconnects at once and sends a new request, but never drops the request it
 * had queued on the dead connection. Each failed attempt leaves one more entry in the
 * connection's FIFO of pending requests, and every later response is matched to the oldest entry:
 * after one `node --watch` restart each connection held ~118 entries and autocannon's own p50 went
 * from 0 to 19 ms for the rest of the run. Patched, a reconnect keeps one pending request, the one
 * re-sent on the new connection, timed from when the first lost one was sent: a client that
 * retries until it gets an answer. Every failed attempt still counts as an error.
 *
 *   (forked by loadProcess below) load.js --port <n> --connections <n> --warmup-ms <n> --max-ms <n>
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { option } from '../child.js';
import { quantile } from '../stats.js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadResult {
  readonly durationMs: number;
  /** Requests answered, any status. */
  readonly answered: number;
  /** Transport errors and timeouts, as autocannon counts them (a refused connection is retried at once, and each try counts). */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** Transport errors by code (ECONNREFUSED, ECONNRESET, ...), as autocannon reported each. */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly all: LatencySummary;
  readonly steady: LatencySummary;
}

interface AutocannonResult {
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly requests: { readonly total: number };
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
  on(event: 'reqError', listener: (error: NodeJS.ErrnoException) => void): void;
  stop(): void;
}

type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;

interface ClientInternals {
  pipelinedRequests?: { pendingRequests: { startTime: [number, number] }[] };
}

/** See the file comment: one pending request per connection across reconnects, timed from the first loss. */
function patchReconnect(require: NodeJS.Require): void {
  const Client = require('autocannon/lib/httpClient.js') as { prototype: { _connect: (this: ClientInternals) => void } };
  const prototype = Client.prototype;
  const connect = prototype._connect;
  prototype._connect = function (this: ClientInternals): void {
    const queue = this.pipelinedRequests;
    const lostSince = queue?.pendingRequests[0]?.startTime;
    if (queue !== undefined) queue.pendingRequests = [];
    connect.call(this);
    const resent = queue?.pendingRequests[0];
    if (lostSince !== undefined && resent !== undefined) resent.startTime = lostSince;
  };
}

type ToChild = { readonly cmd: 'stop'; readonly steadyUntil: number };
type FromChild = { readonly event: 'started'; readonly at: number } | { readonly event: 'result'; readonly result: LoadResult } | { readonly event: 'failed'; readonly message: string };

const SELF = fileURLToPath(import.meta.url);

function summarise(latencies: readonly number[]): LatencySummary {
  let max = 0;
  for (const value of latencies) max = Math.max(max, value);
  return { count: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max };
}

async function child(argv: readonly string[]): Promise<void> {
  const send = (message: FromChild): Promise<void> => new Promise((resolve) => process.send?.(message, () => resolve()));
  const require = createRequire(import.meta.url);
  const autocannon = require('autocannon') as Autocannon;
  patchReconnect(require);
  const url = `http://127.0.0.1:${option(argv, 'port', '0')}/`;
  const connections = Number(option(argv, 'connections', '10'));
  const warmupMs = Number(option(argv, 'warmup-ms', '1000'));
  const maxMs = Number(option(argv, 'max-ms', '300000'));
  if (warmupMs > 0) await autocannon({ url, connections, duration: warmupMs / 1000 });

  const latencies: number[] = [];
  const arrivals: number[] = [];
  const startedAt = performance.now();
  const instance = autocannon({ url, connections, duration: maxMs / 1000 });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode < 200 || statusCode > 299) return;
    latencies.push(responseTimeMs);
    arrivals.push(performance.timeOrigin + performance.now());
  });
  const errorCodes: Record<string, number> = {};
  instance.on('reqError', (error) => {
    const code = error.code ?? error.message;
    errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  });
  let steadyUntil = Number.POSITIVE_INFINITY;
  process.on('message', (message: ToChild) => {
    if (message.cmd !== 'stop') return;
    steadyUntil = message.steadyUntil;
    instance.stop();
  });
  await send({ event: 'started', at: Date.now() });
  const result = await instance;
  const durationMs = performance.now() - startedAt;
  const steady = latencies.filter((_, i) => (arrivals[i] as number) < steadyUntil);
  await send({
    event: 'result',
    result: {
      durationMs,
      answered: result.requests.total,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      errorCodes,
      all: summarise(latencies),
      steady: summarise(steady),
    },
  });
  process.disconnect();
}

/** The load process, seen from the driver. */
export class LoadProcess {
  readonly #child: ChildProcess;
  readonly #messages: FromChild[] = [];
  readonly #waiters: (() => void)[] = [];
  #stderr = '';
  #exited = false;
  /** Date.now() when the measured load started (after the warm-up). */
  startedAt = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: FromChild) => {
      this.#messages.push(message);
      this.#wake();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr = (this.#stderr + chunk).slice(-2000)));
    child.on('exit', () => {
      this.#exited = true;
      this.#wake();
    });
  }

  static async start(port: number, connections: number, warmupMs: number, maxMs: number): Promise<LoadProcess> {
    const args = ['--port', String(port), '--connections', String(connections), '--warmup-ms', String(warmupMs), '--max-ms', String(maxMs)];
    const load = new LoadProcess(fork(SELF, ['--child', ...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
    const started = await load.#next('started');
    load.startedAt = started.event === 'started' ? started.at : Date.now();
    return load;
  }

  /** Stops the load; `steadyUntil` (Date.now()) ends the no-reload part of it. */
  async stop(steadyUntil: number): Promise<LoadResult> {
    if (!this.#exited) this.#child.send({ cmd: 'stop', steadyUntil } satisfies ToChild);
    const message = await this.#next('result');
    if (message.event !== 'result') throw new Error('unreachable');
    return message.result;
  }

  kill(): void {
    if (!this.#exited) this.#child.kill('SIGKILL');
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async #next(event: FromChild['event']): Promise<FromChild> {
    for (;;) {
      const index = this.#messages.findIndex((m) => m.event === event || m.event === 'failed');
      if (index >= 0) {
        const message = this.#messages.splice(index, 1)[0] as FromChild;
        if (message.event === 'failed') throw new Error(`load process failed: ${message.message}`);
        return message;
      }
      if (this.#exited) throw new Error(`load process exited before '${event}': ${this.#stderr}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  child(argv).catch((error: unknown) => {
    process.send?.({ event: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromChild);
    process.exitCode = 1;
  });
}
