/**
 * The plugins release an instance runs. A release is written from its blobs (read from Redis and
 * checked against their addresses) into a directory of its own, with its manifests, and the
 * manager reloads from there (checking signatures when it has trusted keys); going back to the
 * plugins the instance started with reloads from the directory the manager started with. A reload
 * the manager refuses leaves the instance as it was: its next reload reads what it read before.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { manifestFileName } from '../artifact/manifest.js';
import type { PluginManager } from '../runtime/manager.js';
import type { ReloadOutcome } from '../runtime/options.js';
import { getBlob } from './blob-store.js';
import type { PublishedRelease } from './release.js';

export type PluginsOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown; readonly plugin?: string };

export class InstancePlugins {
  /** The release running (undefined: the plugins the instance started with). */
  running: PublishedRelease | undefined;
  readonly #startDir: string;

  /** `dir`: where this instance writes releases (its own directory). */
  constructor(
    private readonly redis: Redis,
    private readonly manager: PluginManager,
    private readonly dir: string,
    startDir: string,
  ) {
    this.#startDir = startDir;
  }

  /** Where a release's artifacts and manifests are written (a stream id has a `-`, kept). */
  releaseDir(id: string): string {
    return join(this.dir, id.replace(/[^\w-]/g, '_'));
  }

  /** Reloads from `target` (null: the start plugins). */
  async apply(target: PublishedRelease | null): Promise<PluginsOutcome> {
    const { manager } = this;
    const previousDir = manager.pluginDir;
    const targetDir = target === null ? this.#startDir : this.releaseDir(target.id);
    let outcome: ReloadOutcome;
    try {
      if (target !== null) {
        await mkdir(targetDir, { recursive: true, mode: 0o700 });
        for (const manifest of target.release.plugins) {
          await writeFile(join(targetDir, manifest.artifact), await getBlob(this.redis, manifest.sha256));
          await writeFile(join(targetDir, manifestFileName(manifest.name)), JSON.stringify(manifest, null, 2));
        }
      }
      manager.usePluginDir(targetDir);
      outcome = manager.status().current === undefined ? await manager.load() : await manager.reload();
    } catch (error) {
      return this.#refused(previousDir, target, { ok: false, error });
    }
    if (!outcome.ok) return this.#refused(previousDir, target, { ok: false, error: outcome.error, ...(outcome.plugin === undefined ? {} : { plugin: outcome.plugin }) });
    // The release before this one is no longer read by any reload: the manager keeps copies of
    // what its own rollback needs.
    if (this.running !== undefined && this.running.id !== target?.id) await rm(this.releaseDir(this.running.id), { recursive: true, force: true });
    this.running = target ?? undefined;
    return { ok: true };
  }

  async #refused(previousDir: string | undefined, target: PublishedRelease | null, refusal: PluginsOutcome): Promise<PluginsOutcome> {
    if (previousDir !== undefined) this.manager.usePluginDir(previousDir);
    if (target !== null) await rm(this.releaseDir(target.id), { recursive: true, force: true });
    return refusal;
  }
}
