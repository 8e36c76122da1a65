/**
 * An instance in a fleet: `joinFleet` applies the current release of its service at once (catch-up:
 * an instance that was down or starts later), then every release published after it, each by a
 * reload of the instance's PluginManager from the release's artifacts (read from Redis, checked
 * against their addresses; with `trustedKeys` on the manager, their signatures too). It reports its
 * state in the service's instances hash, which `hotswap rollout status` reads.
 *
 * A release that cannot be applied (a blob changed in Redis, a bad signature, a hook that throws)
 * is refused and reported by the instance; the instance keeps serving what it ran, and its next
 * reload reads the plugin directory it read before. While Redis is down the instance serves on and
 * retries; it catches up with the newest release when Redis is back.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { manifestFileName } from '../artifact/manifest.js';
import { describe, isHotswapError } from '../errors.js';
import { runtimeDirPath } from '../discovery/runtime-dir.js';
import type { PluginManager } from '../runtime/manager.js';
import type { ReloadOutcome } from '../runtime/options.js';
import { getBlob } from './blob-store.js';
import { serviceKeys } from './keys.js';
import { currentRelease, readRelease, type PublishedRelease } from './release.js';

/** What an instance reports of itself (one field of the service's instances hash, by instance id). */
export interface InstanceState {
  readonly instance: string;
  readonly pid: number;
  readonly host: string;
  /** `unreachable`: Redis could not be read (the instance serves on and retries). */
  readonly state: 'applying' | 'applied' | 'refused' | 'unreachable' | 'left';
  /** The release it runs (applied), or was given (applying, refused). */
  readonly release: string | undefined;
  readonly releaseId: string | undefined;
  /** The manager's generation after the release applied. */
  readonly generation: number | undefined;
  /** Why it refused the release: the error's code, when the error has one. */
  readonly code?: string;
  readonly message?: string;
  readonly plugin?: string;
  readonly at: string;
}

export interface JoinFleetOptions {
  /** A Redis URL (`redis://127.0.0.1:6379`) or an ioredis client (then left open by `leave()`). */
  readonly redis: string | Redis;
  /** The service's name: instances of one service share its releases. */
  readonly service: string;
  readonly manager: PluginManager;
  /** @default `<host name>:<pid>` */
  readonly instanceId?: string;
  /** Called with each state the instance reports. */
  readonly onState?: (state: InstanceState) => void;
}

export interface FleetMember {
  readonly instanceId: string;
  /** The release the instance runs, if it applied one. */
  readonly release: PublishedRelease | undefined;
  /** Stops following the service, reports `left`, removes the release files. */
  leave(): Promise<void>;
}

/** An error as a state reports it: its code when it is one of hotswap's, and its message. */
function why(error: unknown): { code?: string; message: string } {
  return isHotswapError(error) ? { code: error.code, message: error.message } : { message: describe(error) };
}

/** How long a blocking read waits before it is issued again (and `leave()` is noticed). */
const READ_BLOCK_MS = 2000;
/** Wait after a failed read (Redis down) before the next. */
const RETRY_MS = 500;

export async function joinFleet(options: JoinFleetOptions): Promise<FleetMember> {
  const { service, manager } = options;
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  const ownClient = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? new Redis(options.redis, { maxRetriesPerRequest: 1 }) : options.redis;
  // A blocking read holds its connection: it gets one of its own.
  const reader = redis.duplicate();
  const keys = serviceKeys(service);
  const dir = join(runtimeDirPath(), `${process.pid}.fleet-${service.replace(/[^\w.-]/g, '_')}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  let applied: PublishedRelease | undefined;
  let running = true;

  const report = async (state: Omit<InstanceState, 'instance' | 'pid' | 'host' | 'at'>): Promise<void> => {
    const full: InstanceState = { instance: instanceId, pid: process.pid, host: hostname(), at: new Date().toISOString(), ...state };
    options.onState?.(full);
    await redis.hset(keys.instances, instanceId, JSON.stringify(full)).catch(() => undefined);
  };

  /** Where a release's artifacts and manifests are written (a stream id has a `-`, kept). */
  const releaseDir = (id: string): string => join(dir, id.replace(/[^\w-]/g, '_'));

  /** Writes the release's artifacts and manifests into a directory of their own, and reloads from it. */
  const apply = async (published: PublishedRelease): Promise<void> => {
    const { release, id } = published;
    await report({ state: 'applying', release: release.version, releaseId: id, generation: undefined });
    const target = releaseDir(id);
    const previousDir = manager.pluginDir;
    let outcome: ReloadOutcome | undefined;
    let failure: unknown;
    try {
      await mkdir(target, { recursive: true, mode: 0o700 });
      for (const manifest of release.plugins) {
        await writeFile(join(target, manifest.artifact), await getBlob(redis, manifest.sha256));
        await writeFile(join(target, manifestFileName(manifest.name)), JSON.stringify(manifest, null, 2));
      }
      manager.usePluginDir(target);
      outcome = manager.status().current === undefined ? await manager.load() : await manager.reload();
    } catch (error) {
      failure = error;
    }
    if (outcome?.ok === true) {
      // The release before this one is no longer read by any reload: the manager keeps copies of
      // what a rollback needs itself.
      if (applied !== undefined) await rm(releaseDir(applied.id), { recursive: true, force: true });
      applied = published;
      await report({ state: 'applied', release: release.version, releaseId: id, generation: outcome.generation });
      return;
    }
    const refusal = outcome === undefined ? why(failure) : { ...why(outcome.error), ...(outcome.plugin === undefined ? {} : { plugin: outcome.plugin }) };
    // Refused: the next reload reads what the instance read before.
    if (previousDir !== undefined) manager.usePluginDir(previousDir);
    await rm(target, { recursive: true, force: true });
    await report({ state: 'refused', release: release.version, releaseId: id, generation: undefined, ...refusal });
  };

  /** Applies the newest release after `lastId`, if any; returns the id read up to. */
  const applyNewest = async (entries: ReadonlyArray<[string, string[]]>, lastId: string): Promise<string> => {
    const newest = entries[entries.length - 1];
    if (newest === undefined) return lastId;
    try {
      await apply(readRelease(newest[0], newest[1]));
    } catch (error) {
      await report({ state: 'refused', release: undefined, releaseId: newest[0], generation: undefined, ...why(error) });
    }
    return newest[0];
  };

  // Catch-up: the current release first, before this resolves.
  let lastId = '0';
  try {
    const current = await currentRelease(redis, service);
    if (current !== undefined) {
      await apply(current);
      lastId = current.id;
    }
  } catch (error) {
    // A malformed current release (refused), or Redis down (unreachable): the loop below goes on from the start.
    const state = isHotswapError(error) ? 'refused' : 'unreachable';
    await report({ state, release: undefined, releaseId: undefined, generation: undefined, ...why(error) });
  }

  const loop = (async () => {
    while (running) {
      try {
        const answer = await reader.xread('BLOCK', READ_BLOCK_MS, 'STREAMS', keys.releases, lastId);
        const entries = answer?.[0]?.[1] ?? [];
        lastId = await applyNewest(entries, lastId);
      } catch {
        // Redis unreachable: serve on, try again; ioredis reconnects with backoff meanwhile.
        if (running) await delay(RETRY_MS);
      }
    }
  })();

  return {
    instanceId,
    get release() {
      return applied;
    },
    async leave() {
      running = false;
      reader.disconnect();
      await loop;
      await report({ state: 'left', release: applied?.release.version, releaseId: applied?.id, generation: undefined });
      if (ownClient) redis.disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
