/**
 * What a host answers on its control socket: one function per method, over the engines it was
 * given. Outcomes are results, failed ones included (`ok: false` with the engine's coded error), as
 * the engines return them; only a request that cannot run (bad parameters, no such engine) is a
 * JSON-RPC error.
 */
import { isAbsolute } from 'node:path';
import type { IntervalHistogram } from 'node:perf_hooks';
import { ControlUnknownMethodError, InvalidArgumentError } from '../errors.js';
import type { HotfixEngine } from '../hotfix/engine.js';
import { loadedModules } from '../hotfix/redirect/loaded-modules.js';
import { warmPlanner } from '../hotfix/redirect/planner.js';
import type { Patch } from '../hotfix/types.js';
import type { ManagerStatus } from '../runtime/status.js';
import type { ReloadOutcome } from '../runtime/options.js';
import { HOTSWAP_VERSION } from '../version.js';
import { clusterHotfixApply, clusterHotfixList, clusterHotfixRevert, clusterReload, clusterStatus, clusterWorkers, DRAIN_TIMEOUT_MS } from './cluster.js';
import type { Rotation } from './rotation.js';
import { toWire } from './wire.js';

/** The part of a PluginManager the control server drives. */
export interface ControlledManager {
  reload(data?: unknown): Promise<ReloadOutcome>;
  rollback(options?: { readonly to?: number | undefined; readonly data?: unknown; readonly discard?: boolean | undefined }): Promise<ReloadOutcome>;
  usePluginDir(dir: string): void;
  status(): ManagerStatus;
}

export interface ControlTargets {
  readonly name: string;
  /** The manager, or a way to find it when asked (one the program creates after the server started). */
  readonly manager: ControlledManager | (() => ControlledManager | undefined) | undefined;
  readonly hotfix: HotfixEngine | undefined;
  /** Event-loop delay since the control server started. */
  readonly eventLoopDelay: IntervalHistogram;
  /** The servers this process serves on, taken out of rotation around a cluster hotfix. */
  readonly rotation: Rotation;
  /** Whether a cluster primary without a manager speaks for its workers. */
  readonly cluster: boolean;
}

const ms = (ns: number): number => Math.round(ns / 1e4) / 100;

function delayOf(histogram: IntervalHistogram): { p50Ms: number; p99Ms: number; maxMs: number } {
  // Before its first sample a histogram reports its extremes: say 0 instead.
  if (histogram.count === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  return { p50Ms: ms(histogram.percentile(50)), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) };
}

/** A parameter as an error names it: its type, and short values in full. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `a ${typeof value} of ${text.length} characters` : `${typeof value} ${text}`;
}

export type Method = (params: Readonly<Record<string, unknown>>) => unknown;

function need<T>(engine: T | undefined, method: string, what: string): T {
  if (engine === undefined) throw new ControlUnknownMethodError(method, `this host gave its control server no ${what}`);
  return engine;
}

function managerOf(targets: Pick<ControlTargets, 'manager'>): ControlledManager | undefined {
  return typeof targets.manager === 'function' ? targets.manager() : targets.manager;
}

/** Whether the host is a cluster primary with workers and no manager of its own: then it speaks for its workers (cluster.ts). */
export function speaksForWorkers(targets: Pick<ControlTargets, 'manager' | 'cluster'>): boolean {
  return targets.cluster && managerOf(targets) === undefined && clusterWorkers().length > 0;
}

export function methodsFor(targets: ControlTargets): ReadonlyMap<string, Method> {
  const methods = new Map<string, Method>();
  const manager = (): ControlledManager | undefined => managerOf(targets);
  const forWorkers = (): boolean => speaksForWorkers(targets);
  methods.set('status', async () => {
    const workers = forWorkers();
    return {
      pid: process.pid,
      name: targets.name,
      hotswapVersion: HOTSWAP_VERSION,
      nodeVersion: process.version,
      uptimeMs: Math.round(process.uptime() * 1000),
      memory: process.memoryUsage(),
      eventLoopDelay: delayOf(targets.eventLoopDelay),
      manager: ((m) => (m === undefined ? null : toWire(m.status())))(manager()),
      hotfix: targets.hotfix === undefined || workers ? null : targets.hotfix.list(),
      ...(workers ? { cluster: await clusterStatus() } : {}),
    };
  });
  methods.set('reload', async (params) => {
    const pluginDir = params['pluginDir'];
    if (pluginDir !== undefined && (typeof pluginDir !== 'string' || !isAbsolute(pluginDir))) {
      throw new InvalidArgumentError('pluginDir', `expected an absolute path, got ${describeValue(pluginDir)}`);
    }
    if (forWorkers()) return clusterReload('reload', params);
    const target = need(manager(), 'reload', 'plugin manager');
    if (pluginDir !== undefined) target.usePluginDir(pluginDir);
    return toWire(await target.reload(params['data']));
  });
  methods.set('rollback', async (params) => {
    const to = params['to'];
    if (to !== undefined && (typeof to !== 'number' || !Number.isSafeInteger(to) || to < 1)) {
      throw new InvalidArgumentError('to', `expected a generation id (a positive integer), got ${describeValue(to)}`);
    }
    const discard = params['discard'];
    if (discard !== undefined && typeof discard !== 'boolean') throw new InvalidArgumentError('discard', `expected a boolean, got ${describeValue(discard)}`);
    if (forWorkers()) return clusterReload('rollback', params);
    return toWire(await need(manager(), 'rollback', 'plugin manager').rollback({ to, data: params['data'], discard }));
  });
  methods.set('hotfix.apply', async (params) => {
    if (forWorkers()) return clusterHotfixApply(params);
    const engine = need(targets.hotfix, 'hotfix.apply', 'hotfix engine');
    // The engine checks the patch itself and answers a malformed one with an outcome.
    return toWire(await engine.apply(params['patch'] as Patch));
  });
  methods.set('hotfix.revert', async (params) => {
    const version = params['version'];
    if (typeof version !== 'string') throw new InvalidArgumentError('version', `expected a string, got ${describeValue(version)}`);
    if (forWorkers()) return clusterHotfixRevert(params);
    return toWire(await need(targets.hotfix, 'hotfix.revert', 'hotfix engine').revert(version));
  });
  methods.set('hotfix.list', () => (forWorkers() ? clusterHotfixList() : need(targets.hotfix, 'hotfix.list', 'hotfix engine').list()));
  // What `hotswap dev` asks before patching a saved file: the modules loaded, and their base hashes.
  methods.set('hotfix.modules', () => {
    need(targets.hotfix, 'hotfix.modules', 'hotfix engine');
    return loadedModules();
  });
  // Asked by `hotswap dev` once the app has started, so that its first patch is as quick as the next.
  methods.set('hotfix.warm', async () => {
    need(targets.hotfix, 'hotfix.warm', 'hotfix engine');
    await warmPlanner();
    return { warm: true };
  });
  // Asked by a cluster primary around a hotfix of this worker (rotation.ts).
  methods.set('rotation.leave', (params) => {
    const drainTimeoutMs = params['drainTimeoutMs'] ?? DRAIN_TIMEOUT_MS;
    if (typeof drainTimeoutMs !== 'number' || !Number.isFinite(drainTimeoutMs) || drainTimeoutMs < 0) {
      throw new InvalidArgumentError('drainTimeoutMs', `expected milliseconds >= 0, got ${describeValue(drainTimeoutMs)}`);
    }
    return targets.rotation.leave(drainTimeoutMs);
  });
  methods.set('rotation.join', async () => ({ joined: await targets.rotation.join() }));
  return methods;
}
