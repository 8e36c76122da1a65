/**
 * The control connection's framing: each message is one JSON document, preceded by its length in
 * bytes (4 bytes, big-endian). A length prefix rather than newlines: a patch's source may hold
 * anything, and the reader knows how much to wait for, and can refuse an oversized frame from its
 * header alone, before buffering it.
 */
import { ControlFrameTooLargeError, ControlMalformedError } from '../errors.js';

/** Large enough for a real patch or artifact set; both ends can raise it. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

const HEADER_BYTES = 4;

/**
 * One frame holding `value` as JSON.
 * @throws ControlFrameTooLargeError when the JSON is over `maxBytes`
 */
export function encodeFrame(value: unknown, maxBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  if (body.length > maxBytes) throw new ControlFrameTooLargeError(body.length, maxBytes);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

/**
 * Reassembles frames from the chunks a stream delivers, however they are cut. After it has thrown,
 * the stream is out of step: close the connection.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /**
   * The documents completed by `chunk`, in order.
   * @throws ControlFrameTooLargeError for a header announcing more than the limit (checked before
   * its body is buffered), ControlMalformedError for a body that is not JSON
   */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const documents: unknown[] = [];
    for (;;) {
      if (this.buffered < HEADER_BYTES) return documents;
      const head = this.peek(HEADER_BYTES);
      const length = head.readUInt32BE(0);
      if (length > this.maxBytes) throw new ControlFrameTooLargeError(length, this.maxBytes);
      if (this.buffered < HEADER_BYTES + length) return documents;
      const frame = this.take(HEADER_BYTES + length);
      documents.push(parse(frame.subarray(HEADER_BYTES)));
    }
  }

  /** Bytes received that do not yet make a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peek(bytes: number): Buffer {
    if ((this.chunks[0]?.length ?? 0) < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] as Buffer;
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const rest = all.subarray(bytes);
    this.chunks = rest.length === 0 ? [] : [rest];
    this.buffered = rest.length;
    return all.subarray(0, bytes);
  }
}

function parse(body: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (error) {
    throw new ControlMalformedError('the frame is not UTF-8 text', error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // A SyntaxError, or a RangeError for JSON nested deeper than the parser's stack allows.
    throw new ControlMalformedError(`the frame is not a JSON document (${error instanceof Error ? error.message : String(error)})`, error);
  }
}
