/**
 * A fleet of WebSocket clients on a loopback server, bounded in time and message count. Each
 * connection sends numbered messages (`{"seq":n}`, n = 1, 2, 3, ... per client, never reused) and
 * keeps `window` of them in flight; each reply must be the oldest unanswered one (in order), and its
 * `count`, the host's per-connection counter, must be the previous one plus one (state kept).
 *
 * A close the client did not ask for is a drop: the messages in flight on it are lost. With
 * `reconnect`, the client connects again (the seq goes on; a fresh server-side counter shows as a
 * counter restart) until it succeeds or the fleet's time bound is reached.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { WsReply } from './protocol.js';

export interface FleetOptions {
  readonly port: number;
  readonly connections: number;
  /** Messages each connection keeps in flight. @default 1 */
  readonly window?: number;
  /** Connect again after a drop. @default false */
  readonly reconnect?: boolean;
  /** Nothing is sent, and no reconnection tried, after this many milliseconds. @default 120_000 */
  readonly maxDurationMs?: number;
  /** No message is sent after this many, in all. @default 10_000_000 */
  readonly maxMessages?: number;
  /** Connections opened at once while starting. @default 100 */
  readonly connectConcurrency?: number;
  /** Milliseconds a connection waits after a reply before sending its next message (0: at once). @default 0 */
  readonly pauseMs?: number;
  /** Keep every round-trip time (ms) for percentiles. @default true */
  readonly latencies?: boolean;
}

export interface FleetReport {
  readonly connections: number;
  /** Successful opens, reconnections included. */
  readonly opens: number;
  /** Closes the client did not ask for. */
  readonly dropped: number;
  readonly reconnected: number;
  readonly sent: number;
  readonly received: number;
  /** Sent and never answered: in flight on a dropped connection, or unanswered at the end. */
  readonly lost: number;
  /** Replies that were not the oldest unanswered message of their connection. */
  readonly outOfOrder: number;
  /** Replies whose counter did not follow the previous reply's on the same connection. */
  readonly counterBreaks: number;
  /** Reconnections whose counter started again from 1: the server-side state was lost. */
  readonly counterRestarts: number;
  /** Error replies and unreadable ones. */
  readonly errors: number;
  readonly byVersion: ReadonlyMap<string, number>;
  /** Round-trip times in milliseconds (empty unless `latencies`). */
  readonly latencies: readonly number[];
  readonly failures: readonly string[];
  readonly boundReached: boolean;
}

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

class Client {
  socket: WebSocket | undefined;
  open = false;
  /** Last seq sent. */
  seq = 0;
  /** Unanswered messages, oldest first: [seq, sentAt]. */
  readonly inFlight: [number, number][] = [];
  /** Counter of the last reply on this connection; 0 before the first. */
  lastCount = 0;
  /** Counter of the last reply before the latest (re)connection. */
  countBeforeDrop = 0;
  connections = 0;
  constructor(readonly index: number) {}
}

export class Fleet {
  readonly #options: Required<FleetOptions>;
  readonly #clients: Client[];
  readonly #waiters = new Set<Waiter>();
  readonly #byVersion = new Map<string, number>();
  readonly #latencies: number[] = [];
  readonly #failures: string[] = [];
  #opens = 0;
  #dropped = 0;
  #reconnected = 0;
  #sent = 0;
  #received = 0;
  #lost = 0;
  #outOfOrder = 0;
  #counterBreaks = 0;
  #counterRestarts = 0;
  #errors = 0;
  #stopping = false;
  #boundReached = false;
  #ended = false;
  #boundTimer: NodeJS.Timeout | undefined;
  /** Resolves when nothing is in flight any more, once stopping. */
  #drained: (() => void) | undefined;

  constructor(options: FleetOptions) {
    this.#options = {
      window: 1,
      reconnect: false,
      maxDurationMs: 120_000,
      maxMessages: 10_000_000,
      connectConcurrency: 100,
      pauseMs: 0,
      latencies: true,
      ...options,
    };
    this.#clients = Array.from({ length: options.connections }, (_, i) => new Client(i));
  }

  /** Opens every connection (a few at a time) and starts sending; resolves once all are open. */
  async start(): Promise<this> {
    this.#boundTimer = setTimeout(() => this.#reachBound(), this.#options.maxDurationMs);
    this.#boundTimer.unref();
    const queue = [...this.#clients];
    const opener = async (): Promise<void> => {
      for (let client = queue.shift(); client !== undefined; client = queue.shift()) {
        await this.#connect(client);
        if (!client.open) throw new Error(`client ${client.index} could not connect: ${this.#failures.at(-1) ?? ''}`);
      }
    };
    await Promise.all(Array.from({ length: this.#options.connectConcurrency }, opener));
    return this;
  }

  get open(): number {
    let open = 0;
    for (const client of this.#clients) if (client.open) open++;
    return open;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get lost(): number {
    return this.#lost;
  }

  get received(): number {
    return this.#received;
  }

  /** Forgets the round-trip times so far: percentiles then cover only what follows. */
  clearLatencies(): void {
    this.#latencies.length = 0;
  }

  get reconnected(): number {
    return this.#reconnected;
  }

  count(version: string): number {
    return this.#byVersion.get(version) ?? 0;
  }

  /** Resolves once `done()` holds (checked after every reply, open and close); rejects if the fleet ends first. */
  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    if (this.#ended) return Promise.reject(new Error(this.#endReason()));
    return new Promise((resolve, reject) => this.#waiters.add({ done, resolve, reject }));
  }

  /** Resolves once `n` replies from `version` have come. */
  untilReplies(version: string, n: number): Promise<void> {
    return this.until(() => this.count(version) >= n);
  }

  /**
   * Stops sending, waits up to `drainMs` for the replies in flight (those still missing then are
   * lost), closes every connection, and reports.
   */
  async stop(drainMs = 5_000): Promise<FleetReport> {
    this.#stopping = true;
    clearTimeout(this.#boundTimer);
    if (this.#inFlight() > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#drained = undefined;
    const closed: Promise<void>[] = [];
    for (const client of this.#clients) {
      this.#lost += client.inFlight.length;
      client.inFlight.length = 0;
      const socket = client.socket;
      if (socket !== undefined && socket.readyState !== WebSocket.CLOSED) {
        closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
        client.open = false;
        socket.close();
      }
    }
    await Promise.all(closed);
    this.#end();
    return {
      connections: this.#clients.length,
      opens: this.#opens,
      dropped: this.#dropped,
      reconnected: this.#reconnected,
      sent: this.#sent,
      received: this.#received,
      lost: this.#lost,
      outOfOrder: this.#outOfOrder,
      counterBreaks: this.#counterBreaks,
      counterRestarts: this.#counterRestarts,
      errors: this.#errors,
      byVersion: this.#byVersion,
      latencies: this.#latencies,
      failures: this.#failures,
      boundReached: this.#boundReached,
    };
  }

  /** Resolves when `client` is open, or its attempt failed (then it is retried if `reconnect`). */
  #connect(client: Client): Promise<void> {
    return new Promise((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${this.#options.port}`, { perMessageDeflate: false });
      client.socket = socket;
      let opened = false;
      socket.on('open', () => {
        opened = true;
        client.open = true;
        client.connections++;
        this.#opens++;
        if (client.connections > 1) this.#reconnected++;
        // A connection dropped before its first reply keeps the counter of the one before it.
        if (client.lastCount > 0) client.countBeforeDrop = client.lastCount;
        client.lastCount = 0;
        this.#fill(client);
        this.#settleWaiters();
        resolve();
      });
      socket.on('message', (data: WebSocket.RawData) => this.#reply(client, (data as Buffer).toString()));
      socket.on('error', (error) => {
        if (!opened) this.#fail(`client ${client.index}: ${error.message}`);
      });
      socket.on('close', () => {
        if (!opened) {
          // A failed attempt (the server is restarting): try again shortly, within the bounds.
          if (this.#options.reconnect && !this.#stopping) setTimeout(() => void this.#connect(client), 20);
          resolve();
          return;
        }
        if (!client.open) return; // closed by stop()
        client.open = false;
        this.#dropped++;
        this.#lost += client.inFlight.length;
        client.inFlight.length = 0;
        if (this.#options.reconnect && !this.#stopping) setTimeout(() => void this.#connect(client), 10);
        this.#settleWaiters();
      });
    });
  }

  /** Sends until `window` messages are in flight on `client`. */
  #fill(client: Client): void {
    const { window, maxMessages } = this.#options;
    while (client.open && !this.#stopping && client.inFlight.length < window) {
      if (this.#sent >= maxMessages) {
        this.#reachBound();
        return;
      }
      client.seq++;
      this.#sent++;
      client.inFlight.push([client.seq, performance.now()]);
      client.socket?.send(`{"seq":${client.seq}}`);
    }
  }

  #reply(client: Client, text: string): void {
    const now = performance.now();
    let reply: Partial<WsReply> & { error?: string };
    try {
      reply = JSON.parse(text) as Partial<WsReply> & { error?: string };
    } catch {
      reply = { error: `unreadable reply ${text}` };
    }
    const oldest = client.inFlight.shift();
    this.#received++;
    if (oldest === undefined || reply.seq !== oldest[0]) {
      this.#outOfOrder++;
      this.#fail(`client ${client.index}: reply ${reply.seq} while waiting for ${oldest?.[0]}`);
    }
    if (reply.error !== undefined || typeof reply.version !== 'string' || typeof reply.count !== 'number') {
      this.#errors++;
      this.#fail(`client ${client.index}: ${reply.error ?? `bad reply ${text}`}`);
    } else {
      if (client.lastCount === 0 && client.connections > 1 && reply.count === 1 && client.countBeforeDrop > 0) this.#counterRestarts++;
      else if (reply.count !== (client.lastCount === 0 ? client.countBeforeDrop : client.lastCount) + 1) {
        this.#counterBreaks++;
        this.#fail(`client ${client.index}: count ${reply.count} after ${client.lastCount}`);
      }
      client.lastCount = reply.count;
      this.#byVersion.set(reply.version, (this.#byVersion.get(reply.version) ?? 0) + 1);
    }
    if (oldest !== undefined && this.#options.latencies) this.#latencies.push(now - oldest[1]);
    if (this.#stopping) {
      if (this.#drained !== undefined && this.#inFlight() === 0) this.#drained();
    } else if (this.#options.pauseMs > 0) {
      setTimeout(() => this.#fill(client), this.#options.pauseMs);
    } else {
      this.#fill(client);
    }
    this.#settleWaiters();
  }

  #inFlight(): number {
    let n = 0;
    for (const client of this.#clients) n += client.inFlight.length;
    return n;
  }

  #reachBound(): void {
    if (this.#stopping) return;
    this.#boundReached = true;
    this.#stopping = true;
    this.#end();
  }

  #end(): void {
    this.#ended = true;
    this.#settleWaiters();
  }

  #fail(reason: string): void {
    if (this.#failures.length < 5) this.#failures.push(reason);
  }

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
    const why = this.#boundReached ? 'a bound (message count or duration) was reached' : 'stop() was called';
    return `fleet ended before the awaited condition held: ${why} (${this.#sent} sent, ${this.#received} received, ${this.#dropped} dropped)`;
  }
}
