/**
 * Taking a cluster worker out of rotation while its thread is about to stop (a LiveEdit hotfix
 * stops it for the whole apply: seconds on a large heap), then putting it back.
 *
 * Out of rotation means: no new connection reaches the worker, and its keep-alive clients are moved
 * off it. With node:cluster's round-robin scheduling (the default except on Windows), a worker whose
 * server refuses a connection because of `maxConnections` has the primary hand that connection to
 * another worker; a negative `maxConnections` makes it refuse every one (Node 20 to 26 check
 * `maxConnections && connections >= maxConnections`). Keep-alive connections answer their next
 * request with `Connection: close`, and those left idle are closed, so their clients reconnect
 * elsewhere.
 * Under SCHED_NONE a refused connection is simply closed, so there the worker stays in rotation.
 */
import cluster from 'node:cluster';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/** What leaving rotation achieved, as the cluster outcome reports it per worker. */
export interface RotationLeft {
  /** False when the worker could not leave (not a cluster worker, SCHED_NONE, no server registered). */
  readonly left: boolean;
  readonly reason?: string;
  /** Connections still open when the drain ended (0: every client had moved off). */
  readonly connectionsLeft: number;
  readonly drainMs: number;
}

/** How often the drain looks at the connections. */
const DRAIN_POLL_MS = 10;
/**
 * A keep-alive connection idle this long is closed to move its client off. Closing an idle
 * connection races with a request its client may be sending at that instant (the client then sees
 * a reset), as Node's own keepAliveTimeout does; a client that has just been answered is not idle
 * that long, and its next answer carries `Connection: close` instead, which is race-free.
 */
export const IDLE_CLOSE_MS = 500;

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error === null ? count : 0)));
}

function isHttpServer(server: Server): server is HttpServer {
  return typeof (server as Partial<HttpServer>).closeIdleConnections === 'function';
}

/** The message a worker sends its primary once its servers have left the round-robin. */
export const ROTATION_MESSAGE = 'hotswapRotation';

type ListenArgs = [port: number | string] | [port: number, host: string];

/**
 * How to listen again exactly as the server did, so that the primary puts the worker back into the
 * same round-robin handle: net keeps `addressType:address:port` of the listen call (address `null`
 * when none was given) in `_connectionKey`. Undefined when it is not there (then the server is left
 * open, and the worker only refuses connections).
 */
function relistenArgs(server: Server): ListenArgs | undefined {
  const key = (server as { _connectionKey?: unknown })._connectionKey;
  if (typeof key !== 'string') return undefined;
  const type = key.slice(0, key.indexOf(':'));
  const address = key.slice(key.indexOf(':') + 1, key.lastIndexOf(':'));
  const port = Number(key.slice(key.lastIndexOf(':') + 1));
  if (type === '-1') return [address];
  if (!Number.isSafeInteger(port)) return undefined;
  return address === 'null' ? [port] : [port, address];
}

/** A connection of a registered HTTP server: requests running on it, and when it last finished one. */
interface Tracked {
  busy: number;
  idleSince: number;
}

export class Rotation {
  readonly #servers: readonly Server[];
  /** Each server's maxConnections before it left, while it is out. */
  #saved: Map<Server, number | undefined> | undefined;
  /** The HTTP connections accepted since the servers were registered. */
  readonly #connections = new Map<Socket, Tracked>();
  /** The servers closed while out of rotation, and how to listen again as they did. */
  #closed: { server: Server; again: ListenArgs }[] = [];

  constructor(servers: readonly Server[]) {
    this.#servers = servers;
    for (const server of servers) {
      if (!isHttpServer(server)) continue;
      server.on('connection', (socket: Socket) => {
        this.#connections.set(socket, { busy: 0, idleSince: performance.now() });
        socket.once('close', () => this.#connections.delete(socket));
      });
      server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        const tracked = this.#connections.get(request.socket);
        if (tracked === undefined) return;
        tracked.busy++;
        response.once('close', () => {
          tracked.busy--;
          tracked.idleSince = performance.now();
        });
      });
    }
  }

  get out(): boolean {
    return this.#saved !== undefined;
  }

  /** Stops new connections and moves keep-alive clients off, waiting up to `drainTimeoutMs` for them to go. */
  async leave(drainTimeoutMs: number): Promise<RotationLeft> {
    const refused = (reason: string): RotationLeft => ({ left: false, reason, connectionsLeft: 0, drainMs: 0 });
    if (this.#servers.length === 0) return refused('the worker registered no server (startControl({ servers }))');
    if (!cluster.isWorker) return refused('not a cluster worker');
    if (cluster.schedulingPolicy !== cluster.SCHED_RR) return refused('the cluster does not schedule round-robin (SCHED_NONE): a refused connection would be lost');
    if (this.#saved !== undefined) return refused('already out of rotation');
    const started = performance.now();
    this.#saved = new Map();
    for (const server of this.#servers) {
      this.#saved.set(server, server.maxConnections);
      server.maxConnections = -1;
      if (isHttpServer(server)) server.prependListener('request', closeAfterResponse);
    }
    const deadline = started + drainTimeoutMs;
    let left: number;
    for (;;) {
      const now = performance.now();
      for (const [socket, tracked] of this.#connections) {
        if (tracked.busy === 0 && now - tracked.idleSince >= IDLE_CLOSE_MS) socket.destroy();
      }
      left = 0;
      for (const server of this.#servers) left += await connectionCount(server);
      if (left === 0 || performance.now() >= deadline) break;
      await delay(DRAIN_POLL_MS);
    }
    // Refusing is not enough once the thread stops: the primary would still offer the stopped worker
    // connections, and wait for its answer. Closing the server takes the worker out of the primary's
    // round-robin; the message after it, on the same ordered channel, tells the primary that is done.
    this.#closed = [];
    for (const server of this.#servers) {
      const again = relistenArgs(server);
      if (again === undefined) continue;
      server.close();
      this.#closed.push({ server, again });
    }
    process.send?.({ [ROTATION_MESSAGE]: 'left' });
    return { left: true, connectionsLeft: left, drainMs: Math.round(performance.now() - started) };
  }

  /** Back in rotation: the servers listen again where they did, and accept connections, keep-alive kept. */
  async join(): Promise<boolean> {
    const saved = this.#saved;
    if (saved === undefined) return false;
    this.#saved = undefined;
    const closed = this.#closed;
    this.#closed = [];
    await Promise.all(
      closed.map(
        ({ server, again }) =>
          new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            const listening = (): void => {
              server.off('error', reject);
              resolve();
            };
            if (again.length === 1) server.listen(again[0], listening);
            else server.listen(again[0], again[1], listening);
          }),
      ),
    );
    for (const server of this.#servers) {
      (server as { maxConnections: number | undefined }).maxConnections = saved.get(server);
      if (isHttpServer(server)) server.off('request', closeAfterResponse);
    }
    return true;
  }
}

/** Ends the connection after this response, so its client reconnects (to another worker). */
function closeAfterResponse(_request: IncomingMessage, response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}
