/** The fleet's blob store and release records, against a real Redis server (REDIS_URL). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { CHUNK_BYTES, getBlob, putBlob } from '../../src/fleet/blob-store.js';
import { blobChunkKey, blobMetaKey } from '../../src/fleet/keys.js';
import { readRelease } from '../../src/fleet/release.js';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const written: string[] = [];
after(async () => {
  if (written.length > 0) await redis.del(...written);
  redis.disconnect();
});

async function stored(bytes: Buffer): Promise<string> {
  const sha = await putBlob(redis, bytes);
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  written.push(blobMetaKey(sha), ...Array.from({ length: chunks }, (_, i) => blobChunkKey(sha, i)));
  return sha;
}

describe('fleet blob store', () => {
  it('stores a blob bigger than a chunk in chunks, and reads the same bytes back', async () => {
    const bytes = randomBytes(CHUNK_BYTES * 2 + 17);
    const sha = await stored(bytes);
    assert.equal(await redis.exists(blobChunkKey(sha, 2)), 1);
    assert.deepEqual(await getBlob(redis, sha), bytes);
    assert.equal(await putBlob(redis, bytes), sha, 'the same bytes have the same address');
  });

  it('refuses a blob that is missing, incomplete or changed in Redis', async () => {
    await assert.rejects(getBlob(redis, 'f'.repeat(64)), { code: 'HOTSWAP_ERR_FLEET_BLOB', message: /not in Redis/ });
    const sha = await stored(randomBytes(CHUNK_BYTES + 1));
    await redis.set(blobChunkKey(sha, 0), randomBytes(CHUNK_BYTES));
    await assert.rejects(getBlob(redis, sha), { code: 'HOTSWAP_ERR_FLEET_BLOB', message: /changed in Redis/ });
    await redis.del(blobChunkKey(sha, 1));
    await assert.rejects(getBlob(redis, sha), { code: 'HOTSWAP_ERR_FLEET_BLOB', message: /chunk of it is missing/ });
  });
});

describe('fleet release records', () => {
  it('refuses a record hotswap did not write, naming the release', () => {
    const cases: [string[], RegExp][] = [
      [['other', '{}'], /no release field/],
      [['release', 'not json'], /not JSON/],
      [['release', JSON.stringify({ format: 9 })], /format is 9/],
      [['release', JSON.stringify({ format: 1, service: 's', version: 'v', author: 'a', publishedAt: 't', plugins: [{ name: 'p' }] })], /manifest/],
    ];
    for (const [fields, message] of cases) {
      assert.throws(() => readRelease('1-0', fields), { code: 'HOTSWAP_ERR_FLEET_RELEASE_INVALID', message }, fields.join(' '));
    }
  });
});
