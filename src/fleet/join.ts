/**
 * An instance in a fleet. `joinFleet` follows its service's rollout (rollout.ts) and runs the
 * release the rollout wants of it: the new release once its stage admits the instance, the
 * previous one otherwise or after a rollback. It converges before it resolves (catch-up: an
 * instance that was down or starts later), then on every change of the rollout. A release is
 * applied by a reload of the instance's PluginManager from the release's artifacts, read from
 * Redis and checked against their addresses (with `trustedKeys` on the manager, their signatures
 * too). The instance reports its state, its plugin call counts and its health in the service's
 * instances hash; every instance also runs a rollout driver (driver.ts), of which the one holding
 * the lease steers the rollout.
 *
 * A release that cannot be applied (a blob changed in Redis, a bad signature, a hook that throws)
 * is refused and reported by the instance; the instance keeps serving what it ran, and its next
 * reload reads the plugin directory it read before. While Redis is down the instance serves on and
 * retries; it converges on the rollout when Redis is back. If Redis came back without the service's
 * data, the instances that run its stable release record it again (rerecord.ts).
 */
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, InvalidArgumentError, isHotswapError } from '../errors.js';
import { sweepDeadProcessEntries } from '../discovery/dead-process-entries.js';
import { ensureRuntimeDir } from '../discovery/runtime-dir.js';
import type { HotfixEngine } from '../hotfix/engine.js';
import type { PluginManager } from '../runtime/manager.js';
import { startDriver } from './driver.js';
import { HEARTBEAT_MS, type InstanceHealth, type InstanceState } from './instance-state.js';
import { serviceKeys } from './keys.js';
import { releaseById, type PublishedRelease } from './release.js';
import { InstancePatches } from './patches.js';
import { InstancePlugins } from './plugin-releases.js';
import { rerecord } from './rerecord.js';
import { desiredState, readRollout, readRolloutEntry, stableState, type ReleaseRef, type RolloutEntry } from './rollout.js';

export type { InstanceState } from './instance-state.js';

export interface JoinFleetOptions {
  /** A Redis URL (`redis://127.0.0.1:6379`) or an ioredis client (then left open by `leave()`). */
  readonly redis: string | Redis;
  /** The service's name: instances of one service share its releases. */
  readonly service: string;
  readonly manager: PluginManager;
  /**
   * The hotfix engine that applies the service's hotfix releases (`hotswap publish patch.json`);
   * without one, the instance refuses them (HOTSWAP_ERR_FLEET_HOTFIX_UNSUPPORTED). With trusted
   * keys, the engine refuses unsigned or foreign patches.
   */
  readonly hotfix?: HotfixEngine;
  /** @default `<host name>:<pid>` */
  readonly instanceId?: string;
  /** Called with each state the instance reports (not with heartbeats). */
  readonly onState?: (state: InstanceState) => void;
  /**
   * The host's own health, asked at every heartbeat: `false`, `{ ok: false, reason }`, a throw or a
   * rejection make the instance unhealthy, which fails a rollout's health gate while the instance
   * runs the new release. @default always healthy
   */
  readonly health?: () => boolean | InstanceHealth | Promise<boolean | InstanceHealth>;
  /**
   * `before`: `joinFleet` resolves once the instance runs the release its service wants of it.
   * `after`: it resolves at once and catches up in the background. @default 'before'
   */
  readonly catchUp?: 'before' | 'after';
}

export interface FleetMember {
  readonly instanceId: string;
  /** The release the instance runs (undefined: the plugins it started with). */
  readonly release: PublishedRelease | undefined;
  /** Stops following the service, reports `left`, removes the release files. */
  leave(): Promise<void>;
}

/** An error as a state reports it: its code when it is one of hotswap's, and its message. */
function why(error: unknown): { code?: string; message: string } {
  return isHotswapError(error) ? { code: error.code, message: error.message } : { message: describe(error) };
}

/** The host's health callback's answer, or how it failed. */
async function askHealth(health: JoinFleetOptions['health']): Promise<InstanceHealth> {
  if (health === undefined) return { ok: true };
  try {
    const answer = await health();
    if (typeof answer === 'boolean') return { ok: answer };
    return answer.reason === undefined ? { ok: answer.ok === true } : { ok: answer.ok === true, reason: String(answer.reason) };
  } catch (error) {
    return { ok: false, reason: `the health callback failed: ${describe(error)}` };
  }
}

/** How long a blocking read waits before it is issued again (and `leave()` is noticed). */
const READ_BLOCK_MS = 2000;
/** Wait after a failed read (Redis down) before the next. */
const RETRY_MS = 500;
/** How a state names the plugins an instance started with. */
const START_LABEL = '(start)';

type Report = Pick<InstanceState, 'state' | 'release' | 'releaseId' | 'code' | 'message' | 'plugin'>;
type Reported = Report & Pick<InstanceState, 'at'>;

export async function joinFleet(options: JoinFleetOptions): Promise<FleetMember> {
  const { service, manager } = options;
  // The plugins the instance started with are what a rollout back to "no release" reloads.
  const startDir = manager.pluginDir;
  if (startDir === undefined) throw new InvalidArgumentError('manager', 'a fleet instance needs a PluginManager with a pluginDir: statically linked plugins take no releases');
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  const ownClient = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? new Redis(options.redis, { maxRetriesPerRequest: 1 }) : options.redis;
  // A blocking read holds its connection: it gets one of its own.
  const reader = redis.duplicate();
  // While Redis is down, ioredis reconnects with backoff and emits errors; the instance serves on,
  // and its silence shows in the status as unreachable.
  const ignore = (): void => undefined;
  reader.on('error', ignore);
  if (ownClient) redis.on('error', ignore);
  const keys = serviceKeys(service);
  const runtimeDir = ensureRuntimeDir();
  // Release files of instances killed hard (their `leave()` never ran) go first.
  await sweepDeadProcessEntries(runtimeDir, /^([1-9][0-9]*)\.fleet-/);
  const dir = join(runtimeDir, `${process.pid}.fleet-${service.replace(/[^\w.-]/g, '_')}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const plugins = new InstancePlugins(redis, manager, dir, startDir);
  const patches = new InstancePatches(redis, service, instanceId, options.hotfix);
  /**
   * What the instance refused during the current rollout: release ids, `start` (the start plugins),
   * `revert <id>` (a hotfix release's revert). Not tried again until the next rollout starts.
   */
  const refused = new Set<string>();
  let refusedDuring: string | undefined;
  const refusalKey = (id: string | null): string => id ?? 'start';
  let latest: RolloutEntry | undefined;
  let active = true;
  let last: Reported = { state: 'applied', release: START_LABEL, releaseId: undefined, at: new Date().toISOString() };
  let health: InstanceHealth = { ok: true };

  const record = (): InstanceState => {
    const { calls, current } = manager.status();
    return {
      instance: instanceId,
      pid: process.pid,
      host: hostname(),
      ...last,
      runningId: plugins.running?.id,
      runningVersion: plugins.running?.release.version ?? START_LABEL,
      patches: [...patches.applied],
      generation: current?.id,
      calls,
      health,
      heartbeatAt: Date.now(),
    };
  };
  const write = async (state: InstanceState): Promise<void> => {
    await redis.hset(keys.instances, instanceId, JSON.stringify(state)).catch(() => undefined);
  };
  const report = async (state: Report): Promise<void> => {
    last = { ...state, at: new Date().toISOString() };
    const full = record();
    options.onState?.(full);
    await write(full);
  };

  /** Runs the plugins release `target` (null: the start plugins), and reports it. */
  const apply = async (target: PublishedRelease | null, label: string): Promise<void> => {
    const id = target?.id;
    await report({ state: 'applying', release: label, releaseId: id });
    const outcome = await plugins.apply(target);
    if (outcome.ok) return report({ state: 'applied', release: label, releaseId: id });
    refused.add(refusalKey(id ?? null));
    return report({ state: 'refused', release: label, releaseId: id, ...why(outcome.error), ...(outcome.plugin === undefined ? {} : { plugin: outcome.plugin }) });
  };

  /** Applies the hotfix release `ref` on top of what the instance runs. */
  const applyPatch = async (ref: ReleaseRef): Promise<void> => {
    await report({ state: 'applying', release: ref.version, releaseId: ref.id });
    const outcome = await patches.apply(ref);
    if (outcome.ok) return report({ state: 'applied', release: ref.version, releaseId: ref.id });
    refused.add(ref.id);
    return report({ state: 'refused', release: ref.version, releaseId: ref.id, ...why(outcome.error) });
  };

  /** Reverts the hotfix release `ref`; a revert the engine refuses is not tried again until the rollout changes. */
  const revertPatch = async (ref: ReleaseRef): Promise<void> => {
    const outcome = await patches.revert(ref);
    if (outcome.ok) return report({ state: 'reverted', release: ref.version, releaseId: ref.id });
    refused.add(`revert ${ref.id}`);
    return report({ state: 'refused', release: `revert ${ref.version}`, releaseId: ref.id, ...why(outcome.error) });
  };

  /**
   * Takes one step towards what the rollout wants of this instance: reverts a hotfix release it no
   * longer wants (newest first), else reloads the plugins release it wants, else applies the next
   * hotfix release it wants. Returns false when there is nothing to do (or only what it refused).
   */
  const step = async (): Promise<boolean> => {
    if (latest === undefined) return false;
    const { state } = latest;
    if (refusedDuring !== state.releaseId) {
      refused.clear();
      refusedDuring = state.releaseId;
    }
    const wanted = desiredState(state, instanceId);
    const unwanted = [...patches.applied].reverse().find((p) => !wanted.patches.includes(p.id));
    if (unwanted !== undefined) {
      if (refused.has(`revert ${unwanted.id}`)) return false;
      await revertPatch(unwanted);
      return true;
    }
    if (wanted.plugins !== (plugins.running?.id ?? null) && !refused.has(refusalKey(wanted.plugins))) {
      await applyPlugins(wanted.plugins, wanted.plugins === state.releaseId ? state.version : (state.previousVersion ?? wanted.plugins ?? START_LABEL));
      return true;
    }
    // A refused patch does not hold back the ones after it: each is the engine's to accept or refuse.
    const missing = wanted.patches.find((id) => !patches.has(id) && !refused.has(id));
    if (missing === undefined) return false;
    await applyPatch({ id: missing, version: missing === state.releaseId ? state.version : (state.patches.find((p) => p.id === missing)?.version ?? missing) });
    return true;
  };

  /** Reloads from the plugins release `id` (null: the start plugins). */
  const applyPlugins = async (id: string | null, label: string): Promise<void> => {
    if (id === null) return apply(null, START_LABEL);
    let published: PublishedRelease;
    try {
      published = await releaseById(redis, service, id);
    } catch (error) {
      refused.add(id);
      return report({ state: 'refused', release: label, releaseId: id, ...why(error) });
    }
    return apply(published, label);
  };

  // One convergence at a time; a change during one runs it once more.
  let converging: Promise<void> | undefined;
  let again = false;
  const converge = (): Promise<void> => {
    if (converging !== undefined) {
      again = true;
      return converging;
    }
    converging = (async () => {
      do {
        again = false;
        while (active && (await step()));
      } while (again && active);
    })().finally(() => (converging = undefined));
    return converging;
  };

  /** Takes the rollout's newest state; a malformed one is reported and ignored. */
  const follow = async (entry: [string, string[]] | undefined): Promise<void> => {
    if (entry === undefined) return;
    try {
      latest = readRolloutEntry(entry[0], entry[1]);
    } catch (error) {
      return report({ state: 'refused', release: undefined, releaseId: undefined, ...why(error) });
    }
    await converge();
  };

  /**
   * Redis lost the service's data (restarted empty, flushed) while this instance runs the stable
   * state of the last rollout it saw: it records that state again (rerecord.ts).
   */
  let healing = false;
  const healIfLost = async (): Promise<void> => {
    if (latest === undefined || healing) return;
    healing = true;
    try {
      if ((await redis.exists(keys.rollout)) !== 0) return;
      const stable = stableState(latest.state);
      const runsStable = (stable.plugins?.id ?? null) === (plugins.running?.id ?? null) && stable.patches.map((p) => p.id).join() === patches.applied.map((p) => p.id).join();
      if (!runsStable) return;
      const { running } = plugins;
      const held = running === undefined ? undefined : { release: running, dir: plugins.releaseDir(running.id) };
      await rerecord(redis, service, { plugins: held, patches: patches.held() }, instanceId);
    } catch {
      // Redis down again, or an artifact gone: the next heartbeat tries again.
    } finally {
      healing = false;
    }
  };

  await report(last);
  const heartbeat = setInterval(() => {
    void askHealth(options.health).then(async (answer) => {
      health = answer;
      if (!active) return;
      await write(record());
      await healIfLost();
    });
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const driver = startDriver(redis, service, instanceId, () => undefined);

  // Catch-up: the release the rollout wants of this instance, before this resolves (or after).
  let lastId = '0';
  const catchUp = async (): Promise<void> => {
    try {
      latest = await readRollout(redis, service);
      if (latest !== undefined) lastId = latest.id;
    } catch (error) {
      // A malformed rollout (refused), or Redis down (unreachable): the loop below goes on from the start.
      const state = isHotswapError(error) ? 'refused' : 'unreachable';
      return report({ state, release: undefined, releaseId: undefined, ...why(error) });
    }
    await converge();
  };
  const caughtUp = catchUp();
  if (options.catchUp !== 'after') await caughtUp;

  const loop = (async () => {
    await caughtUp;
    while (active) {
      try {
        const answer = await reader.xread('BLOCK', READ_BLOCK_MS, 'STREAMS', keys.rollout, lastId);
        const entries = answer?.[0]?.[1] ?? [];
        const newest = entries[entries.length - 1];
        if (newest !== undefined) lastId = newest[0];
        await follow(newest);
      } catch {
        // Redis unreachable: serve on, try again; ioredis reconnects with backoff meanwhile.
        if (active) await delay(RETRY_MS);
      }
    }
  })();

  return {
    instanceId,
    get release() {
      return plugins.running;
    },
    async leave() {
      active = false;
      clearInterval(heartbeat);
      await driver.stop();
      reader.disconnect();
      await loop;
      await converging;
      await report({ state: 'left', release: plugins.running?.release.version ?? START_LABEL, releaseId: plugins.running?.id });
      if (ownClient) redis.disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
