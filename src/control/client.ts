/**
 * A control connection from the CLI (or any program) to a host: connect, `hello`, then requests,
 * each answered or failed within a time limit. A JSON-RPC error comes back as a ControlRemoteError
 * carrying the host's `HOTSWAP_ERR_*` code.
 */
import { connect, type Socket } from 'node:net';
import { ControlUnavailableError, describe } from '../errors.js';
import { HOTSWAP_VERSION } from '../version.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder } from './framing.js';
import type { ControlEvent } from './events.js';
import { CONTROL_PROTOCOL, type ErrorObject, type Response } from './jsonrpc.js';

/** What the host answered with a JSON-RPC error: its code is the host's `HOTSWAP_ERR_*` code. */
export class ControlRemoteError extends Error {
  readonly code: string;
  readonly rpcCode: number;
  constructor(error: ErrorObject) {
    super(error.message);
    this.name = 'ControlRemoteError';
    this.code = error.data?.code ?? 'HOTSWAP_ERR_CONTROL_INTERNAL';
    this.rpcCode = error.code;
  }
}

export interface HelloAnswer {
  readonly protocol: number;
  readonly hotswapVersion: string;
  readonly pid: number;
  readonly name: string;
}

export interface ControlClient {
  readonly host: HelloAnswer;
  /** @throws ControlRemoteError for the host's error answer, ControlUnavailableError for a lost connection or no answer in time */
  call(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  /** Follows the host's events (`events.subscribe`); `onEvent` gets each one as it comes. */
  subscribe(onEvent: (event: ControlEvent) => void): Promise<void>;
  /** Resolves when the connection ends (the host closed it, or exited). */
  readonly closed: Promise<void>;
  close(): void;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Connects to the control socket at `socketPath` and says hello.
 * @throws ControlUnavailableError when nothing answers there; ControlRemoteError when the host refuses the hello
 */
export async function connectControl(socketPath: string, options: { timeoutMs?: number; maxFrameBytes?: number } = {}): Promise<ControlClient> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(socketPath);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ControlUnavailableError(socketPath, `did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (error) => {
      clearTimeout(timer);
      reject(new ControlUnavailableError(socketPath, `cannot be reached (${(error as NodeJS.ErrnoException).code ?? describe(error)}): the host has exited, or is not yours`, error));
    });
  });
  const pending = new Map<number, Pending>();
  let next = 0;
  let lost: Error | undefined;
  const fail = (error: Error): void => {
    lost ??= error;
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(lost);
    }
  };
  const decoder = new FrameDecoder(maxFrameBytes);
  const eventListeners: Array<(event: ControlEvent) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    let messages: unknown[];
    try {
      messages = decoder.push(chunk);
    } catch (error) {
      fail(new ControlUnavailableError(socketPath, `sent an answer that cannot be read: ${describe(error)}`, error));
      socket.destroy();
      return;
    }
    for (const message of messages) {
      const notification = message as { method?: unknown; params?: unknown; id?: unknown };
      if (notification.method === 'event' && notification.id === undefined) {
        for (const listener of eventListeners) listener(notification.params as ControlEvent);
        continue;
      }
      const response = message as Response;
      const id = typeof response.id === 'number' ? response.id : undefined;
      const p = id === undefined ? undefined : pending.get(id);
      if (p === undefined || id === undefined) continue;
      pending.delete(id);
      clearTimeout(p.timer);
      if ('error' in response) p.reject(new ControlRemoteError(response.error));
      else p.resolve(response.result);
    }
  });
  socket.on('error', (error) => fail(new ControlUnavailableError(socketPath, `failed: ${describe(error)}`, error)));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('close', () => fail(new ControlUnavailableError(socketPath, 'closed the connection')));

  const call = (method: string, params: Record<string, unknown> = {}, callTimeoutMs = timeoutMs): Promise<unknown> => {
    if (lost !== undefined) return Promise.reject(lost);
    const id = ++next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new ControlUnavailableError(socketPath, `did not answer ${method} within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      socket.write(encodeFrame({ jsonrpc: '2.0', id, method, params }, maxFrameBytes));
    });
  };
  try {
    const host = (await call('hello', { protocol: CONTROL_PROTOCOL, client: `hotswap ${HOTSWAP_VERSION}` })) as HelloAnswer;
    const subscribe = async (onEvent: (event: ControlEvent) => void): Promise<void> => {
      eventListeners.push(onEvent);
      await call('events.subscribe');
    };
    return { host, call, subscribe, closed, close: () => socket.end() };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** Connects to the control socket at `socketPath`, runs `work` on the connection, and closes it whatever happens. */
export async function withSocket<T>(socketPath: string, work: (client: ControlClient) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  const client = await connectControl(socketPath, options);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** The time limit for a call that takes as long as the host's work does (a reload's hooks, an apply on a large heap). */
export const NO_TIME_LIMIT_MS = 24 * 60 * 60 * 1000;
