/**
 * When Redis loses a service's data (a server restarted without persistence, a flush), the fleet
 * records it again from the instances: an instance that runs the stable state of the last rollout
 * it saw stores its plugins release and hotfix releases again (blobs, and the release records under
 * their original ids), and records them as a complete rollout. The other instances converge on it.
 * A canary of an unfinished rollout does not: its release was not proven, and the instances still
 * on the stable release record that one. Several instances may try at once: the first record of a
 * release id wins, and the rollout is written only into an empty stream.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { readArtifact } from '../runtime/loader.js';
import { putBlob } from './blob-store.js';
import { serviceKeys } from './keys.js';
import { ALL_AT_ONCE } from './plan.js';
import type { PublishedRelease } from './release.js';
import { ROLLOUT_FORMAT, updateRollout, type ReleaseRef, type RolloutState } from './rollout.js';

export interface HeldReleases {
  /** The plugins release the instance runs (undefined: its start plugins), and the directory its artifacts were written to. */
  readonly plugins: { readonly release: PublishedRelease; readonly dir: string } | undefined;
  /** The hotfix releases applied on top, in order, with each patch's bytes. */
  readonly patches: ReadonlyArray<{ readonly release: PublishedRelease; readonly text: Buffer }>;
}

/** Stream ids (`<ms>-<seq>`) in their order. */
function compareIds(a: string, b: string): number {
  const [ams = 0, aseq = 0] = a.split('-').map(Number);
  const [bms = 0, bseq = 0] = b.split('-').map(Number);
  return ams - bms || aseq - bseq;
}

/**
 * Stores `held` again and records it as the service's complete rollout, if the rollout stream is
 * empty. Returns whether this call wrote the rollout.
 */
export async function rerecord(redis: Redis, service: string, held: HeldReleases, by: string): Promise<boolean> {
  const keys = serviceKeys(service);
  const releases: PublishedRelease[] = [];
  if (held.plugins !== undefined) {
    const { release, dir } = held.plugins;
    for (const manifest of release.release.plugins) await putBlob(redis, await readArtifact(manifest, join(dir, manifest.artifact)));
    releases.push(release);
  }
  for (const { release, text } of held.patches) {
    await putBlob(redis, text);
    releases.push(release);
  }
  if (releases.length === 0) return false;
  // Under their original ids, oldest first (a stream takes only growing ids): the refs in rollout states stay true.
  for (const { id, release } of [...releases].sort((a, b) => compareIds(a.id, b.id))) {
    await redis.xadd(keys.releases, id, 'release', JSON.stringify(release)).catch(() => undefined); // another instance recorded it first
  }
  const refs: ReleaseRef[] = held.patches.map(({ release }) => ({ id: release.id, version: release.release.version }));
  const top = held.plugins?.release;
  const lastPatch = refs.at(-1);
  const written = await updateRollout(redis, service, (current): RolloutState | undefined => {
    if (current !== undefined) return undefined;
    const now = Date.now();
    const common = {
      format: ROLLOUT_FORMAT,
      plan: ALL_AT_ONCE,
      stage: 0,
      admitted: 'all',
      bakeStartedAt: null,
      baseline: {},
      phase: 'complete',
      paused: false,
      reason: `recorded again by ${by} after Redis lost the service's data`,
      updatedAt: now,
      by,
    } as const;
    if (top !== undefined) return { ...common, kind: 'plugins', releaseId: top.id, version: top.release.version, previousId: null, previousVersion: null, patches: refs };
    // Only patches on the start plugins: the newest is the rollout's release, the others stay under it.
    const patch = lastPatch as ReleaseRef;
    return { ...common, kind: 'hotfix', releaseId: patch.id, version: patch.version, previousId: null, previousVersion: null, patches: refs.slice(0, -1) };
  });
  return written !== undefined;
}
