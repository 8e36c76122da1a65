/**
 * Artifacts in Redis, content-addressed: a blob is stored under its sha256, in chunks (a Redis
 * value is best kept well under its 512 MB limit, and big replies block the server), with a meta
 * record written last, so a reader sees a whole blob or none. Storing the same bytes twice stores
 * them once. A read checks the bytes against the address: a corrupted chunk is refused, never loaded.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FleetBlobError } from '../errors.js';
import { blobChunkKey, blobMetaKey } from './keys.js';

/** Bytes per chunk. */
export const CHUNK_BYTES = 512 * 1024;

interface BlobMeta {
  readonly size: number;
  readonly chunks: number;
}

export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Stores `bytes` (once) and returns their sha256, the blob's address. */
export async function putBlob(redis: Redis, bytes: Buffer): Promise<string> {
  const sha256 = sha256Of(bytes);
  if ((await redis.exists(blobMetaKey(sha256))) === 1) return sha256;
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  const write = redis.multi();
  for (let i = 0; i < chunks; i++) write.set(blobChunkKey(sha256, i), bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  // The meta record last, in the same transaction: a reader never finds the meta without its chunks.
  write.set(blobMetaKey(sha256), JSON.stringify({ size: bytes.length, chunks } satisfies BlobMeta));
  await write.exec();
  return sha256;
}

/**
 * The blob at `sha256`.
 * @throws FleetBlobError when it is missing, incomplete or does not hash to its address
 */
export async function getBlob(redis: Redis, sha256: string): Promise<Buffer> {
  const metaText = await redis.get(blobMetaKey(sha256));
  if (metaText === null) throw new FleetBlobError(sha256, 'it is not in Redis');
  let meta: BlobMeta;
  try {
    meta = JSON.parse(metaText) as BlobMeta;
  } catch {
    throw new FleetBlobError(sha256, 'its meta record is not JSON');
  }
  if (!Number.isSafeInteger(meta.chunks) || meta.chunks < 1) throw new FleetBlobError(sha256, 'its meta record is malformed');
  const keys = Array.from({ length: meta.chunks }, (_, i) => blobChunkKey(sha256, i));
  const chunks = await redis.mgetBuffer(...keys);
  if (chunks.some((chunk) => chunk === null)) throw new FleetBlobError(sha256, 'a chunk of it is missing');
  const bytes = Buffer.concat(chunks as Buffer[]);
  const actual = sha256Of(bytes);
  if (actual !== sha256 || bytes.length !== meta.size) throw new FleetBlobError(sha256, `its bytes hash to ${actual.slice(0, 16)}…: it was changed in Redis`);
  return bytes;
}
