/**
 * The control server a host runs: a Unix domain socket (a named pipe on Windows) in the per-user
 * runtime directory, answering JSON-RPC 2.0 over length-prefixed frames (framing.ts). The
 * directory is 0700 and the socket 0600: only this user reaches it. Every connection starts with a
 * `hello` that settles the protocol version; then one request at a time or many, each bounded in
 * time. A bad frame, request or method gets an error answer (or, for a frame the stream cannot be
 * resynchronised after, the connection is closed); the host keeps serving its own traffic.
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, Server as NetServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { announceControlSocket } from '../discovery/announce.js';
import { hostName } from '../discovery/host-record.js';
import { ensureRuntimeDir } from '../discovery/runtime-dir.js';
import { ControlProtocolMismatchError, ControlUnknownMethodError, InvalidArgumentError, describe, isHotswapError } from '../errors.js';
import type { HotfixEngine } from '../hotfix/engine.js';
import { defaultLogger, type Logger } from '../logger.js';
import { HOTSWAP_VERSION } from '../version.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder } from './framing.js';
import { CONTROL_PROTOCOL, errorResponse, readRequest, resultResponse, RPC, thrownResponse, type Request, type Response } from './jsonrpc.js';
import { followWorkers } from './cluster.js';
import { EVENT_CHANNELS, subscribeEvents, type ControlEvent } from './events.js';
import { methodsFor, speaksForWorkers, type ControlledManager, type Method } from './methods.js';
import { Rotation } from './rotation.js';

export interface ControlOptions {
  /** The plugin manager `reload` and `status` reach, or a function that finds it when asked. */
  readonly manager?: ControlledManager | (() => ControlledManager | undefined) | undefined;
  /** The hotfix engine `hotfix.*` reach. */
  readonly hotfix?: HotfixEngine | undefined;
  /** @default `HOTSWAP_NAME`, else the entry script's name */
  readonly name?: string | undefined;
  /** @default `<runtime dir>/<pid>.sock` (`\\.\pipe\hotswap-<pid>` on Windows) */
  readonly socketPath?: string | undefined;
  /** @default 64 MiB: a real patch or artifact set fits */
  readonly maxFrameBytes?: number | undefined;
  /** Connections at once; more are closed at once. @default 128 */
  readonly maxConnections?: number | undefined;
  /** A connection that has not said hello within this long is closed (it would hold a slot for nothing). @default 10000 */
  readonly helloTimeoutMs?: number | undefined;
  /** How long a request may run before it is answered with an error (the operation goes on). @default 120000 */
  readonly requestTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /**
   * The servers this process accepts connections on. In a node:cluster worker, a hotfix sent through
   * the primary takes the worker out of rotation first (no new connections, keep-alive clients moved
   * off), so no request waits behind the apply.
   */
  readonly servers?: readonly NetServer[] | undefined;
  /**
   * In a cluster primary that has workers and no manager of its own, fan `status`, `reload`,
   * `rollback` and `hotfix.*` out to the workers.
   * @default true
   */
  readonly cluster?: boolean | undefined;
}

export interface ControlHandle {
  readonly socketPath: string;
  /** Stops answering, removes the socket and the record's mention of it. */
  close(): Promise<void>;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(name, `expected a positive integer, got ${String(value)}`);
  return value;
}

function defaultSocketPath(): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\hotswap-${process.pid}`;
  return join(ensureRuntimeDir(), `${process.pid}.sock`);
}

/**
 * Starts answering on the control socket.
 * @throws InvalidArgumentError for a bad option; RuntimeDirUnsafeError when the runtime directory
 * cannot be used; the listen error when the socket cannot be made
 * @example
 * const control = await startControl({ manager, hotfix: createHotfixEngine() });
 * // hotswap status <pid>, hotswap reload <pid>, hotswap hotfix apply <pid> patch.json
 */
export async function startControl(options: ControlOptions = {}): Promise<ControlHandle> {
  const maxFrameBytes = positive('maxFrameBytes', options.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES);
  const maxConnections = positive('maxConnections', options.maxConnections, 128);
  const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, 120_000);
  const helloTimeoutMs = positive('helloTimeoutMs', options.helloTimeoutMs, 10_000);
  const logger = options.logger ?? defaultLogger;
  const name = options.name ?? hostName();
  const socketPath = options.socketPath ?? defaultSocketPath();
  const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  if (options.servers !== undefined && (!Array.isArray(options.servers) || options.servers.some((s) => !(s instanceof NetServer)))) {
    throw new InvalidArgumentError('servers', 'expected an array of net.Server or http.Server');
  }
  const rotation = new Rotation(options.servers ?? []);
  const targets = { name, manager: options.manager, hotfix: options.hotfix, eventLoopDelay, rotation, cluster: options.cluster ?? true };
  const methods = methodsFor(targets);
  const forWorkers = (): boolean => speaksForWorkers(targets);

  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    if (connections.size >= maxConnections) {
      logger.warn(`control: refused a connection: ${maxConnections} already open`);
      socket.destroy();
      return;
    }
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serveConnection(socket, { methods, forWorkers, maxFrameBytes, requestTimeoutMs, helloTimeoutMs, logger, name });
  });
  // One server per socket: the program's own startControl takes over from the one `hotswap run`
  // started (same default path), rather than leaving it listening on a removed file.
  await serving.get(socketPath)?.close();
  if (process.platform !== 'win32') {
    // A socket file left by an earlier process of the same pid (this user's directory): it cannot be in use.
    try {
      unlinkSync(socketPath);
    } catch {
      // None there.
    }
  }
  await listen(server, socketPath);
  eventLoopDelay.enable();
  if (process.platform !== 'win32') chmodSync(socketPath, 0o600);
  // The server must not keep the host alive on its own.
  server.unref();
  let unannounce = (): void => {};
  try {
    unannounce = announceControlSocket(socketPath, options.name === undefined ? undefined : name);
  } catch (error) {
    logger.warn(`control: answering on ${socketPath}, but \`hotswap\` will not find this process: ${describe(error)}`);
  }
  logger.info(`control: answering on ${socketPath}`);
  // A process that ends without close() leaves no socket file behind (a killed one does: the next
  // server of the same pid removes it).
  const removeSocketFile = (): void => {
    if (process.platform === 'win32') return;
    try {
      unlinkSync(socketPath);
    } catch {
      // Already gone.
    }
  };
  process.once('exit', removeSocketFile);
  let closed: Promise<void> | undefined;
  const handle: ControlHandle = {
    socketPath,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        if (serving.get(socketPath) === handle) serving.delete(socketPath);
        process.off('exit', removeSocketFile);
        eventLoopDelay.disable();
        unannounce();
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      })),
  };
  serving.set(socketPath, handle);
  return handle;
}

/** The control servers of this process, by socket path. */
const serving = new Map<string, ControlHandle>();

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A subscriber whose unread events pass this many bytes is dropped rather than let the host's memory grow. */
export const MAX_EVENT_BACKLOG_BYTES = 16 * 1024 * 1024;

interface ConnectionContext {
  readonly methods: ReadonlyMap<string, Method>;
  /** Whether `events.subscribe` follows the cluster's workers too. */
  readonly forWorkers: () => boolean;
  readonly maxFrameBytes: number;
  readonly requestTimeoutMs: number;
  readonly helloTimeoutMs: number;
  readonly logger: Logger;
  readonly name: string;
}

function serveConnection(socket: Socket, context: ConnectionContext): void {
  const decoder = new FrameDecoder(context.maxFrameBytes);
  let greeted = false;
  let unsubscribe: (() => void) | undefined;
  const helloTimer = setTimeout(() => {
    context.logger.warn(`control: closing a connection that did not say hello within ${context.helloTimeoutMs} ms`);
    socket.destroy();
  }, context.helloTimeoutMs);
  helloTimer.unref();
  socket.once('close', () => {
    clearTimeout(helloTimer);
    unsubscribe?.();
  });
  const send = (response: Response): void => {
    if (socket.destroyed) return;
    try {
      socket.write(encodeFrame(response, context.maxFrameBytes));
    } catch (error) {
      // An answer over the frame limit: say so instead; when even that is too large (the id alone
      // fills the default limit), close the connection rather than throw out of the handler.
      if (isHotswapError(error) && 'id' in response && response.id !== null) {
        try {
          socket.write(encodeFrame(thrownResponse(response.id, '(answer)', error)));
          return;
        } catch {
          // Closed below.
        }
      }
      socket.destroy();
    }
  };
  socket.on('error', () => socket.destroy());
  let unreadable = false;
  socket.on('data', (chunk: Buffer) => {
    // Whatever follows a bad frame is not read: the connection is closing.
    if (unreadable) return;
    let messages: unknown[];
    try {
      messages = decoder.push(chunk);
    } catch (error) {
      // The stream cannot be resynchronised after a bad frame: answer once, then close.
      unreadable = true;
      const code = isHotswapError(error) ? error.code : 'HOTSWAP_ERR_CONTROL_MALFORMED';
      context.logger.warn(`control: closing a connection: ${describe(error)}`);
      send(errorResponse(null, RPC.parseError, code, describe(error)));
      socket.end();
      return;
    }
    for (const message of messages) {
      const read = readRequest(message);
      if ('error' in read) {
        send(read.error);
        continue;
      }
      if ('notification' in read) continue; // Nothing to answer, and no method of ours takes one.
      const { request } = read;
      if (!greeted) {
        const hello = greet(request, context.name);
        greeted = hello.ok;
        if (greeted) clearTimeout(helloTimer);
        send(hello.response);
        continue;
      }
      if (request.method === 'events.subscribe') {
        // Events go to this connection as notifications until it closes.
        const sendEvent = (event: ControlEvent): void => {
          if (socket.destroyed) return;
          if (socket.writableLength > MAX_EVENT_BACKLOG_BYTES) {
            context.logger.warn(`control: dropping an events subscriber that has not read ${socket.writableLength} bytes of events`);
            socket.destroy();
            return;
          }
          try {
            socket.write(encodeFrame({ jsonrpc: '2.0', method: 'event', params: event }, context.maxFrameBytes));
          } catch (error) {
            context.logger.warn(`control: an event could not be sent: ${describe(error)}`);
          }
        };
        context.logger.info('control: events.subscribe');
        if (unsubscribe !== undefined) {
          send(resultResponse(request.id, { channels: EVENT_CHANNELS }));
          continue;
        }
        const local = subscribeEvents(sendEvent);
        let stopWorkers = (): void => {};
        unsubscribe = () => {
          local();
          stopWorkers();
        };
        if (!context.forWorkers()) {
          send(resultResponse(request.id, { channels: EVENT_CHANNELS }));
          continue;
        }
        // Answered once every worker is followed: an event after the answer is not missed.
        void followWorkers(sendEvent, (error) => context.logger.warn(`control: ${describe(error)}`)).then((stop) => {
          if (socket.destroyed) stop();
          else stopWorkers = stop;
          send(resultResponse(request.id, { channels: EVENT_CHANNELS }));
        });
        continue;
      }
      void answer(request, context).then(send);
    }
  });
}

function greet(request: Request, name: string): { ok: boolean; response: Response } {
  if (request.method !== 'hello') {
    return { ok: false, response: errorResponse(request.id, RPC.invalidRequest, 'HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH', new ControlProtocolMismatchError(`send hello first, not ${request.method}`).message) };
  }
  const protocol = request.params['protocol'];
  if (protocol !== CONTROL_PROTOCOL) {
    const detail = `the client speaks version ${shown(protocol)}, this host ${CONTROL_PROTOCOL}`;
    return { ok: false, response: errorResponse(request.id, RPC.invalidRequest, 'HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH', new ControlProtocolMismatchError(detail).message) };
  }
  return { ok: true, response: resultResponse(request.id, { protocol: CONTROL_PROTOCOL, hotswapVersion: HOTSWAP_VERSION, pid: process.pid, name }) };
}

/** A client's value in a message: its JSON, or its type when JSON.stringify cannot write it (nested deeper than the stack). */
function shown(value: unknown): string {
  try {
    return String(JSON.stringify(value));
  } catch {
    return `a deeply nested ${Array.isArray(value) ? 'array' : typeof value}`;
  }
}

async function answer(request: Request, context: ConnectionContext): Promise<Response> {
  const method = context.methods.get(request.method);
  if (method === undefined) {
    return errorResponse(request.id, RPC.methodNotFound, 'HOTSWAP_ERR_CONTROL_UNKNOWN_METHOD', new ControlUnknownMethodError(request.method, 'no such method').message);
  }
  context.logger.info(`control: ${request.method}${Object.keys(request.params).length === 0 ? '' : ` (${Object.keys(request.params).join(', ')})`}`);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Response>((resolve) => {
    timer = setTimeout(
      () => resolve(errorResponse(request.id, RPC.operationFailed, 'HOTSWAP_ERR_CONTROL_UNAVAILABLE', `${request.method} did not finish within ${context.requestTimeoutMs} ms (it goes on in the host)`)),
      context.requestTimeoutMs,
    );
    timer.unref();
  });
  const run = (async (): Promise<Response> => {
    try {
      return resultResponse(request.id, await method(request.params));
    } catch (error) {
      return thrownResponse(request.id, request.method, error);
    }
  })();
  try {
    return await Promise.race([run, late]);
  } finally {
    clearTimeout(timer);
  }
}
