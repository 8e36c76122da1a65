/**
 * The WebSocket server of the benchmark and of the reload-under-load test, shared by the hotswap host
 * (host.ts: the reply comes from a plugin) and by the plain server run under `node --watch` (the
 * reply comes from an imported module). The host owns the sockets and the per-connection state (a
 * counter); the reply code only computes the answer.
 *
 * It prints one JSON line per event on stdout (`ready` with its pid and port), like the hello host.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { WsReply } from './protocol.js';

export type ReplyFunction = (seq: number, count: number) => WsReply;

export interface WsServerOptions {
  /** 0 for a free port. */
  readonly port: number;
  /** What answers: the plugin through the manager, or a plain module. */
  readonly reply: ReplyFunction;
  /** Put into the `ready` line, e.g. 'hotswap' or 'node --watch'. */
  readonly mode: string;
}

export interface WsServerStats {
  /** Connections open now. */
  readonly open: number;
  /** Connections accepted since start. */
  readonly opened: number;
  /** Connections that closed since start (either side). */
  readonly closed: number;
  readonly messages: number;
  /** Replies the reply code failed to compute (sent back as `{ seq, error }`). */
  readonly errors: number;
  readonly loopDelayMaxMs: number;
}

export interface WsServer {
  readonly port: number;
  stats(): WsServerStats;
  close(): Promise<void>;
}

/** One JSON line per event: the protocol a driver reads (see process.ts). */
export function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

/** Per-connection state, owned by the host: it survives every reload of the reply code. */
interface Connection {
  count: number;
}

export async function startWsServer(options: WsServerOptions): Promise<WsServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port, perMessageDeflate: false, backlog: 2048 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  let opened = 0;
  let closed = 0;
  let messages = 0;
  let errors = 0;

  wss.on('connection', (socket: WebSocket) => {
    opened++;
    const connection: Connection = { count: 0 };
    socket.on('message', (data: RawData) => {
      messages++;
      let seq = -1;
      try {
        seq = (JSON.parse((data as Buffer).toString()) as { seq: number }).seq;
        connection.count++;
        socket.send(JSON.stringify(options.reply(seq, connection.count)));
      } catch (error) {
        errors++;
        socket.send(JSON.stringify({ seq, error: error instanceof Error ? error.message : String(error) }));
      }
    });
    socket.on('error', () => {}); // a reset by the peer: 'close' follows
    socket.on('close', () => closed++);
  });

  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  emit('ready', { pid: process.pid, port, mode: options.mode });
  return {
    port,
    stats: () => ({ open: wss.clients.size, opened, closed, messages, errors, loopDelayMaxMs: loopDelay.max / 1e6 }),
    close: () =>
      new Promise<void>((resolve) => {
        loopDelay.disable();
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
}
