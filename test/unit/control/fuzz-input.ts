/**
 * Input for fuzzing the control server, from a seeded generator (a failing case replays from its
 * seed): random bytes, random JSON values and JSON-RPC requests (mostly well formed, often not),
 * corrupted, truncated and oversized frames; and what the server should make of a byte stream,
 * read with the protocol's rules (docs/control.md) independently of the server's own decoder.
 */
import { frame, MALFORMED, TOO_LARGE } from './raw-connection.js';

/** The documents in `bytes`; `fatal` is the code of a frame that ends the connection; `pending` a frame cut short. */
export function framesOf(bytes: Buffer, limit: number): { docs: unknown[]; fatal: string | undefined; pending: boolean } {
  const docs: unknown[] = [];
  let at = 0;
  while (bytes.length - at >= 4) {
    const length = bytes.readUInt32BE(at);
    if (length > limit) return { docs, fatal: TOO_LARGE, pending: false };
    if (bytes.length - at - 4 < length) return { docs, fatal: undefined, pending: true };
    const body = bytes.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    try {
      docs.push(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)));
    } catch {
      return { docs, fatal: MALFORMED, pending: false };
    }
  }
  return { docs, fatal: undefined, pending: at < bytes.length };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The id the answer to `doc` carries (null when none can be echoed), or undefined for a notification, which is not answered. */
export function answerId(doc: unknown): unknown {
  if (!isRecord(doc)) return null;
  const id = doc['id'];
  if (id !== undefined) return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
  const params = doc['params'];
  const notification = doc['jsonrpc'] === '2.0' && typeof doc['method'] === 'string' && doc['method'] !== '' && (params === undefined || isRecord(params));
  return notification ? undefined : null;
}

export type Random = () => number;

/** xorshift32: small, fast, and the same sequence for the same seed everywhere. */
export function generator(seed: number): Random {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const int = (random: Random, n: number): number => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;

function randomBytes(random: Random, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = int(random, 256);
  return out;
}

const PIECES = ['a', 'Z', '0', ' ', 'é', 'ü', '"', '\\', '\n', '\u0000', '\u2028', '😀', '\ud800', '{', ']', 'hello', 'status', 'HOTSWAP_ERR_'];
const KEYS = ['id', 'data', 'patch', 'version', 'protocol', 'files', '__proto__', 'constructor', 'toString', 'method', 'params'];
const METHODS = ['hello', 'status', 'reload', 'hotfix.apply', 'hotfix.revert', 'hotfix.list', 'events.subscribe', 'nope', '', 'hotfix', '__proto__', 'toString'];

function randomText(random: Random): string {
  let out = '';
  for (let n = int(random, 12); n > 0; n--) out += pick(random, PIECES);
  return out;
}

function randomValue(random: Random, depth = 0): unknown {
  switch (int(random, depth > 3 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(random, [0, -1, 1.5, 2 ** 53, 1e308, -1e-308, 42]);
    case 3:
      return randomText(random);
    case 4:
      return int(random, 1000);
    case 5:
      return Array.from({ length: int(random, 4) }, () => randomValue(random, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      // defineProperty: a key of "__proto__" becomes an own property, as JSON.parse makes it.
      for (let n = int(random, 4); n > 0; n--) Object.defineProperty(out, random() < 0.6 ? pick(random, KEYS) : randomText(random), { value: randomValue(random, depth + 1), enumerable: true, configurable: true, writable: true });
      return out;
    }
  }
}

/** A JSON-RPC request, mostly well formed, often not; valid ids are unique (from `nextId`). */
function randomMessage(random: Random, nextId: () => number): unknown {
  if (random() < 0.08) return randomValue(random);
  const message: Record<string, unknown> = {};
  if (random() < 0.95) message['jsonrpc'] = random() < 0.9 ? '2.0' : pick(random, ['1.0', 2, null]);
  const idRoll = random();
  if (idRoll < 0.75) message['id'] = random() < 0.5 ? nextId() : `id-${nextId()}`;
  else if (idRoll < 0.88) message['id'] = pick(random, [null, true, false, {}, [], [1], { a: 1 }]);
  message['method'] = random() < 0.9 ? pick(random, METHODS) : randomValue(random);
  const paramsRoll = random();
  if (paramsRoll < 0.65) {
    const params: Record<string, unknown> = {};
    for (const key of ['data', 'patch', 'version', 'protocol']) if (random() < 0.4) params[key] = key === 'protocol' && random() < 0.5 ? 1 : randomValue(random);
    message['params'] = params;
  } else if (paramsRoll < 0.85) {
    message['params'] = randomValue(random);
  }
  return message;
}

/** Cuts `bytes` into pieces of random sizes, each written on its own. */
export function pieces(random: Random, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + int(random, Math.min(512, bytes.length - at));
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** Garbage of one of several kinds: random bytes, random bodies, corrupted or truncated requests, headers over the limit. */
export function garbage(random: Random, nextId: () => number, limit: number): Buffer {
  const encoded = (): Buffer => frame(JSON.stringify(randomMessage(random, nextId)) ?? 'null');
  // Whole requests (the last kind) three times as often as each other kind: most of the rest ends the connection.
  switch (Math.min(int(random, 8), 5)) {
    case 0:
      return randomBytes(random, 1 + int(random, 256));
    case 1:
      return frame(randomBytes(random, int(random, 512)));
    case 2: {
      const bytes = encoded();
      for (let flips = 1 + int(random, 3); flips > 0; flips--) bytes[4 + int(random, bytes.length - 4)] = int(random, 256);
      return bytes;
    }
    case 3: {
      const whole = Array.from({ length: 1 + int(random, 3) }, encoded);
      const last = encoded();
      return Buffer.concat([...whole, last.subarray(0, int(random, last.length))]);
    }
    case 4: {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(limit + 1 + int(random, 2 ** 32 - limit - 2), 0);
      return Buffer.concat([header, randomBytes(random, int(random, 64))]);
    }
    default:
      return Buffer.concat(Array.from({ length: 1 + int(random, 6) }, encoded));
  }
}
