/**
 * The control connection's framing: frames cut anywhere reassemble; oversized, non-UTF-8 and
 * non-JSON frames are coded errors; random and truncated input never throws anything else, never
 * hangs, and never yields a document that was not sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder } from '../../../src/control/framing.js';
import { isHotswapError } from '../../../src/errors.js';
// A deterministic generator, so a failing case can be replayed from its seed.
import { generator } from './fuzz-input.js';


function cutAt(buffer: Buffer, random: () => number): Buffer[] {
  const pieces: Buffer[] = [];
  let at = 0;
  while (at < buffer.length) {
    const size = 1 + Math.floor(random() * Math.min(64, buffer.length - at));
    pieces.push(buffer.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isHotswapError(error), `a coded error, not ${String(error)}`);
    return error.code;
  }
  return 'none';
}

describe('control framing', () => {
  it('reassembles frames however the stream cuts them, in order', () => {
    const documents = [{ jsonrpc: '2.0', id: 1, method: 'status' }, 'text with \n new lines and ünïcödé', [1, [2, [3]]], null, { big: 'x'.repeat(100_000) }];
    const stream = Buffer.concat(documents.map((d) => encodeFrame(d)));
    for (let seed = 1; seed <= 20; seed++) {
      const decoder = new FrameDecoder();
      const got = cutAt(stream, generator(seed)).flatMap((piece) => decoder.push(piece));
      assert.deepEqual(got, documents, `seed ${seed}`);
      assert.equal(decoder.pendingBytes, 0);
    }
  });

  it('refuses a frame over the limit from its header, before its body arrives', () => {
    const decoder = new FrameDecoder(1024);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1025, 0);
    assert.equal(codeOf(() => decoder.push(header)), 'HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE');
    assert.equal(codeOf(() => encodeFrame('x'.repeat(2000), 1024)), 'HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE');
    assert.ok(DEFAULT_MAX_FRAME_BYTES >= 16 * 1024 * 1024, 'a real patch fits the default');
  });

  it('refuses a body that is not UTF-8, and one that is not JSON, as malformed; survives deep nesting', () => {
    const frame = (body: Buffer): Buffer => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length, 0);
      return Buffer.concat([header, body]);
    };
    assert.equal(codeOf(() => new FrameDecoder().push(frame(Buffer.from([0xff, 0xfe, 0x80])))), 'HOTSWAP_ERR_CONTROL_MALFORMED');
    assert.equal(codeOf(() => new FrameDecoder().push(frame(Buffer.from('{"a":')))), 'HOTSWAP_ERR_CONTROL_MALFORMED');
    // Nested a million deep: V8's JSON parser takes it without a stack overflow; no crash either way.
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const code = codeOf(() => new FrameDecoder(4 * 1024 * 1024).push(frame(Buffer.from(deep))));
    assert.ok(code === 'none' || code === 'HOTSWAP_ERR_CONTROL_MALFORMED', code);
  });

  it('fuzz: random bytes and truncated or corrupted frames give documents that were sent, or a coded error', () => {
    const sent = [{ jsonrpc: '2.0', id: 7, method: 'reload', params: { data: { n: 1 } } }, { s: 'é'.repeat(300) }];
    const valid = Buffer.concat(sent.map((d) => encodeFrame(d)));
    for (let seed = 1; seed <= 500; seed++) {
      const random = generator(seed);
      let input: Buffer;
      const kind = seed % 3;
      if (kind === 0) input = randomBytes(Math.floor(random() * 300));
      else if (kind === 1) input = valid.subarray(0, Math.floor(random() * valid.length));
      else {
        input = Buffer.from(valid);
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
      }
      const decoder = new FrameDecoder(4096);
      const got: unknown[] = [];
      try {
        for (const piece of cutAt(input, random)) got.push(...decoder.push(piece));
      } catch (error) {
        assert.ok(isHotswapError(error), `seed ${seed}: a coded error, not ${String(error)}`);
        assert.ok(['HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE', 'HOTSWAP_ERR_CONTROL_MALFORMED'].includes(error.code), `seed ${seed}: ${error.code}`);
        continue;
      }
      // Truncation loses only the end; what came through is what was sent, in order.
      if (kind === 1) assert.deepEqual(got, sent.slice(0, got.length), `seed ${seed}`);
    }
  });
});
