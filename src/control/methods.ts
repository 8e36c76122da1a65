/**
 * What a host answers on its control socket: one function per method, over the engines it was
 * given. Outcomes are results, failed ones included (`ok: false` with the engine's coded error), as
 * the engines return them; only a request that cannot run (bad parameters, no such engine) is a
 * JSON-RPC error.
 */
import { ControlUnknownMethodError, InvalidArgumentError } from '../errors.js';
import type { HotfixEngine } from '../hotfix/engine.js';
import type { Patch } from '../hotfix/types.js';
import type { ManagerStatus } from '../runtime/status.js';
import type { ReloadOutcome } from '../runtime/options.js';
import { HOTSWAP_VERSION } from '../version.js';
import { toWire } from './wire.js';

/** The part of a PluginManager the control server drives. */
export interface ControlledManager {
  reload(data?: unknown): Promise<ReloadOutcome>;
  status(): ManagerStatus;
}

export interface ControlTargets {
  readonly name: string;
  /** The manager, or a way to find it when asked (one the program creates after the server started). */
  readonly manager: ControlledManager | (() => ControlledManager | undefined) | undefined;
  readonly hotfix: HotfixEngine | undefined;
}

export type Method = (params: Readonly<Record<string, unknown>>) => unknown;

function need<T>(engine: T | undefined, method: string, what: string): T {
  if (engine === undefined) throw new ControlUnknownMethodError(method, `this host gave its control server no ${what}`);
  return engine;
}

export function methodsFor(targets: ControlTargets): ReadonlyMap<string, Method> {
  const methods = new Map<string, Method>();
  const manager = (): ControlledManager | undefined => (typeof targets.manager === 'function' ? targets.manager() : targets.manager);
  methods.set('status', () => ({
    pid: process.pid,
    name: targets.name,
    hotswapVersion: HOTSWAP_VERSION,
    nodeVersion: process.version,
    uptimeMs: Math.round(process.uptime() * 1000),
    memory: process.memoryUsage(),
    manager: ((m) => (m === undefined ? null : toWire(m.status())))(manager()),
    hotfix: targets.hotfix === undefined ? null : targets.hotfix.list(),
  }));
  methods.set('reload', async (params) => toWire(await need(manager(), 'reload', 'plugin manager').reload(params['data'])));
  methods.set('hotfix.apply', async (params) => {
    const engine = need(targets.hotfix, 'hotfix.apply', 'hotfix engine');
    // The engine checks the patch itself and answers a malformed one with an outcome.
    return toWire(await engine.apply(params['patch'] as Patch));
  });
  methods.set('hotfix.revert', async (params) => {
    const engine = need(targets.hotfix, 'hotfix.revert', 'hotfix engine');
    const version = params['version'];
    if (typeof version !== 'string') throw new InvalidArgumentError('version', `expected a string, got ${typeof version}`);
    return toWire(await engine.revert(version));
  });
  methods.set('hotfix.list', () => need(targets.hotfix, 'hotfix.list', 'hotfix engine').list());
  return methods;
}
