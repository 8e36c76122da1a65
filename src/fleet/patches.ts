/**
 * Hotfix releases on one instance: each fetched from Redis (the patch's blob, checked against its
 * address), applied by the instance's hotfix engine (which checks signatures when it has trusted
 * keys), and reverted when the rollout no longer wants it, newest first.
 */
import type { Redis } from 'ioredis';
import { FleetHotfixUnsupportedError, FleetReleaseInvalidError } from '../errors.js';
import type { HotfixEngine } from '../hotfix/engine.js';
import type { Patch } from '../hotfix/types.js';
import { getBlob } from './blob-store.js';
import { releaseById, type PublishedRelease } from './release.js';
import type { ReleaseRef } from './rollout.js';

export type PatchOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly file?: string | undefined };

export class InstancePatches {
  /** The hotfix releases applied, in order. */
  readonly applied: ReleaseRef[] = [];
  /** Each applied release's record and patch text: the version the engine reverts by, and what `rerecord` stores again. */
  readonly #records = new Map<string, { readonly release: PublishedRelease; readonly version: string; readonly text: Buffer }>();

  constructor(
    private readonly redis: Redis,
    private readonly service: string,
    private readonly instanceId: string,
    private readonly engine: HotfixEngine | undefined,
  ) {}

  has(id: string): boolean {
    return this.#records.has(id);
  }

  /** The applied hotfix releases with their patches' bytes, in order: what Redis needs to hold them again. */
  held(): Array<{ readonly release: PublishedRelease; readonly text: Buffer }> {
    return this.applied.map((ref) => this.#records.get(ref.id)).filter((r) => r !== undefined);
  }

  /** Applies the hotfix release `release`; refused when the instance has no engine, or the release, its blob or its patch are bad. */
  async apply(release: ReleaseRef): Promise<PatchOutcome> {
    try {
      const published = await releaseById(this.redis, this.service, release.id);
      const record = published.release;
      if (record.kind !== 'hotfix' || record.patch === undefined) throw new FleetReleaseInvalidError(release.id, 'it is not a hotfix release');
      if (this.engine === undefined) throw new FleetHotfixUnsupportedError(this.instanceId, release.version);
      const text = await getBlob(this.redis, record.patch.sha256);
      const patch = JSON.parse(text.toString('utf8')) as Patch;
      const outcome = await this.engine.apply(patch);
      if (!outcome.ok) return { ok: false, error: outcome.error, file: outcome.file };
      this.applied.push(release);
      this.#records.set(release.id, { release: published, version: patch.version, text });
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Reverts the applied hotfix release `release` (the newest of those touching its files). */
  async revert(release: ReleaseRef): Promise<PatchOutcome> {
    const version = this.#records.get(release.id)?.version;
    if (version === undefined || this.engine === undefined) return { ok: true };
    let error: unknown;
    try {
      const outcome = await this.engine.revert(version);
      if (outcome.ok) {
        this.applied.splice(this.applied.findIndex((p) => p.id === release.id), 1);
        this.#records.delete(release.id);
        return { ok: true };
      }
      error = outcome.error;
    } catch (thrown) {
      error = thrown;
    }
    return { ok: false, error };
  }
}
