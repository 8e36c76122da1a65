/**
 * What an instance reports of itself, one field of the service's instances hash (by instance id):
 * its last state change, what it runs, and a heartbeat with its plugin call counts and health. The
 * rollout driver and `hotswap rollout status` read it.
 */
import type { CallCounts } from '../runtime/call-counter.js';
import type { DesiredState, ReleaseRef } from './rollout.js';

export interface InstanceHealth {
  readonly ok: boolean;
  /** Why not, as the host's health callback said (or how the callback failed). */
  readonly reason?: string;
}

export interface InstanceState {
  readonly instance: string;
  readonly pid: number;
  readonly host: string;
  /**
   * `unreachable`: Redis could not be read at the start (the instance serves on and retries).
   * `reverted`: the hotfix release the state names was reverted.
   */
  readonly state: 'applying' | 'applied' | 'reverted' | 'refused' | 'unreachable' | 'left';
  /** The release the state is about: applied, being applied, reverted, or refused. */
  readonly release: string | undefined;
  readonly releaseId: string | undefined;
  /** The release the instance runs (undefined: the plugins it started with). */
  readonly runningId: string | undefined;
  readonly runningVersion: string | undefined;
  /** The hotfix releases applied on top, in order. */
  readonly patches: readonly ReleaseRef[];
  /** The manager's current generation. */
  readonly generation: number | undefined;
  /** Why it refused the release: the error's code, when the error has one. */
  readonly code?: string;
  readonly message?: string;
  readonly plugin?: string;
  /** When the state last changed (ISO time). */
  readonly at: string;
  /** Plugin calls since the instance started, and how many threw or rejected. */
  readonly calls: CallCounts;
  readonly health: InstanceHealth;
  /** When the instance last reported (ms since the epoch); see `isLive`. */
  readonly heartbeatAt: number;
}

/** How often an instance reports its heartbeat. */
export const HEARTBEAT_MS = 500;
/** An instance silent for longer is counted out of rollouts and shown as unreachable. */
export const LIVE_MS = 3_000;

/** Whether the instance has reported lately and has not left. */
export function isLive(instance: InstanceState, now: number): boolean {
  return instance.state !== 'left' && now - instance.heartbeatAt <= LIVE_MS;
}

/** The instances hash as read from Redis; fields that are not JSON objects are skipped. */
export function parseInstances(hash: Readonly<Record<string, string>>): InstanceState[] {
  const instances: InstanceState[] = [];
  for (const text of Object.values(hash)) {
    try {
      const value = JSON.parse(text) as InstanceState;
      if (typeof value === 'object' && value !== null && typeof value.instance === 'string') {
        instances.push({ ...value, patches: value.patches ?? [], calls: value.calls ?? { total: 0, failed: 0 }, health: value.health ?? { ok: true }, heartbeatAt: value.heartbeatAt ?? 0 });
      }
    } catch {
      // Not written by an instance: not one.
    }
  }
  return instances.sort((a, b) => a.instance.localeCompare(b.instance));
}

/** Whether the instance runs what `desired` says. */
export function runsDesired(instance: InstanceState, desired: DesiredState): boolean {
  return (instance.runningId ?? null) === desired.plugins && instance.patches.map((p) => p.id).join() === desired.patches.join();
}
