/**
 * A control connection speaking raw bytes, for tests that send what a well-behaved client never
 * would: frames built by hand (any body, any size), what comes back, and whether the server closed
 * the connection. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '../../../src/control/framing.js';
import { WAIT_MS, withTimeout } from '../../helpers/timeout.js';

export const MALFORMED = 'HOTSWAP_ERR_CONTROL_MALFORMED';
export const TOO_LARGE = 'HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE';
export const UNKNOWN = 'HOTSWAP_ERR_CONTROL_UNKNOWN_METHOD';
export const MISMATCH = 'HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH';
export const INVALID_ARGUMENT = 'HOTSWAP_ERR_INVALID_ARGUMENT';

export interface Answer {
  readonly id?: unknown;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: { readonly code?: unknown } };
}

export function frame(body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([header, bytes]);
}

/** A request frame; an `id` of undefined makes it a notification. */
export function request(id: unknown, method: unknown, params?: unknown): Buffer {
  return frame(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
}

/** A frame whose body is `prefix`, then 'x' up to `size` bytes in all, then `suffix`: built without a string that large. */
export function padded(prefix: string, size: number, suffix: string): Buffer {
  const out = Buffer.alloc(4 + size, 'x');
  out.writeUInt32BE(size, 0);
  out.write(prefix, 4);
  out.write(suffix, 4 + size - Buffer.byteLength(suffix));
  return out;
}

export const hello = request(0, 'hello', { protocol: 1 });

/** A connection speaking raw bytes: what comes back (event notifications left out), and whether the server closed it. */
export class Raw {
  readonly answers: Answer[] = [];
  #closed = false;
  #taken = 0;
  readonly #socket: Socket;
  readonly #watchers = new Set<() => void>();
  readonly #decoder = new FrameDecoder(2 ** 32);

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const message of this.#decoder.push(chunk)) {
        if ((message as { method?: unknown }).method === 'event') continue;
        this.answers.push(message as Answer);
      }
      this.#wake();
    });
    // EPIPE or ECONNRESET when the server closes while this side still writes: expected here.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static open(path: string): Promise<Raw> {
    return withTimeout(
      new Promise<Raw>((resolve, reject) => {
        const socket = connect(path);
        socket.once('error', reject);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(new Raw(socket));
        });
      }),
      WAIT_MS,
      'a connection to the control socket',
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(...frames: Buffer[]): void {
    for (const f of frames) this.#socket.write(f);
  }

  /** Resolves once `count` answers have come in all, or the server closed the connection first. */
  until(count: number, what: string): Promise<void> {
    let check = (): void => {};
    const done = new Promise<void>((resolve) => {
      check = () => {
        if (this.answers.length >= count || this.#closed) resolve();
      };
    });
    this.#watchers.add(check);
    check();
    return withTimeout(done, WAIT_MS, () => `${what}: ${count} answer(s) or the connection closed (got ${this.answers.length})`).finally(() => this.#watchers.delete(check));
  }

  /** The next answer not taken yet. */
  async next(what: string): Promise<Answer> {
    await this.until(this.#taken + 1, what);
    const answer = this.answers[this.#taken];
    if (answer === undefined) throw new Error(`${what}: the server closed the connection instead of answering`);
    this.#taken++;
    return answer;
  }

  /** Sends one frame and returns the answer to it (for requests answered one at a time). */
  ask(bytes: Buffer, what: string): Promise<Answer> {
    this.write(bytes);
    return this.next(what);
  }

  async closedByServer(what: string): Promise<void> {
    await this.until(Number.POSITIVE_INFINITY, `${what}: the server to close the connection`);
  }

  leave(): void {
    this.#socket.destroy();
  }

  /** Writes `frames` and leaves once they are handed to the system: the server gets them, and finds the client gone. */
  async sendAndLeave(...frames: Buffer[]): Promise<void> {
    await withTimeout(new Promise<void>((resolve) => this.#socket.write(Buffer.concat(frames), () => resolve())), WAIT_MS, 'frames to be sent');
    this.leave();
  }

  #wake(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }
}

/** An error answer with `code` (and JSON-RPC class `rpc`, when given). */
export function assertError(answer: Answer, code: string, what: string, rpc?: number): void {
  assert.ok(answer.error !== undefined, `${what}: an error answer, got ${JSON.stringify(answer).slice(0, 300)}`);
  assert.equal(answer.error.data?.code, code, `${what}: ${answer.error.message.slice(0, 300)}`);
  if (rpc !== undefined) assert.equal(answer.error.code, rpc, what);
}

/** Every error answer carries a HOTSWAP_ERR_* code. */
export function assertCoded(answers: readonly Answer[], what: string): void {
  for (const answer of answers) {
    if (answer.error === undefined) continue;
    const code = answer.error.data?.code;
    assert.ok(typeof code === 'string' && code.startsWith('HOTSWAP_ERR_'), `${what}: error answer without a HOTSWAP_ERR_* code: ${JSON.stringify(answer).slice(0, 300)}`);
  }
}

export function resultOf<T>(answer: Answer, what: string): T {
  assert.ok(answer.error === undefined && 'result' in answer, `${what}: a result, got ${JSON.stringify(answer).slice(0, 300)}`);
  return answer.result as T;
}
