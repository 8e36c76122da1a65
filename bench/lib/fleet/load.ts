/**
 * The steady request load of the fleet benchmark (bench/fleet.ts): one request at a time, each on
 * a new connection, 2 ms apart, to the targets in turn. Every answer is sorted: `ok` (200),
 * `plugin` (500 from the server's handler: the plugin function threw), or `other` (a connection
 * refused or reset, a timeout, any other status): what a deploy must never cause.
 */
import { get } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** What the servers answer with status 500 when the plugin function throws. */
export const PLUGIN_ERROR_PREFIX = 'plugin error: ';

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** GET `path` on 127.0.0.1:`port` over a new connection; rejects on a connection error or after `timeoutMs`. */
export function ask(port: number, path = '/', timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export interface LoadCounts {
  readonly requests: number;
  readonly ok: number;
  /** Answered 500 by the server because the plugin function threw. */
  readonly plugin: number;
  /** Failed for any other reason: connection errors, timeouts, other statuses. */
  readonly other: number;
}

export const failedOf = (counts: LoadCounts): number => counts.plugin + counts.other;

/** `after - before`, field by field. */
export function countsBetween(before: LoadCounts, after: LoadCounts): LoadCounts {
  return { requests: after.requests - before.requests, ok: after.ok - before.ok, plugin: after.plugin - before.plugin, other: after.other - before.other };
}

export class Load {
  readonly #targets: readonly number[];
  readonly #gapMs: number;
  #requests = 0;
  #ok = 0;
  #plugin = 0;
  #other = 0;
  /** Plugin errors by target index. */
  readonly #pluginByTarget: number[];
  #lastOther: string | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;

  /** `targets`: the ports asked in turn. */
  constructor(targets: readonly number[], gapMs = 2) {
    this.#targets = targets;
    this.#gapMs = gapMs;
    this.#pluginByTarget = targets.map(() => 0);
  }

  start(): void {
    if (this.#running !== undefined) throw new Error('the load is running already');
    this.#stopping = false;
    this.#running = (async () => {
      for (let n = 0; !this.#stopping; n++) {
        const target = n % this.#targets.length;
        this.#requests++;
        try {
          const reply = await ask(this.#targets[target] as number);
          if (reply.status === 200) this.#ok++;
          else if (reply.status === 500 && reply.body.startsWith(PLUGIN_ERROR_PREFIX)) {
            this.#plugin++;
            this.#pluginByTarget[target] = (this.#pluginByTarget[target] ?? 0) + 1;
          } else {
            this.#other++;
            this.#lastOther = `status ${reply.status}: ${reply.body.slice(0, 200)}`;
          }
        } catch (error) {
          this.#other++;
          this.#lastOther = error instanceof Error ? error.message : String(error);
        }
        await delay(this.#gapMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    this.#running = undefined;
  }

  counts(): LoadCounts {
    return { requests: this.#requests, ok: this.#ok, plugin: this.#plugin, other: this.#other };
  }

  /** Plugin errors so far, by target index. */
  pluginErrorsByTarget(): readonly number[] {
    return [...this.#pluginByTarget];
  }

  /** How the last request counted as `other` failed, if one did. */
  get lastOther(): string | undefined {
    return this.#lastOther;
  }
}
