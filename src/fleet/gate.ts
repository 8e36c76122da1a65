/**
 * The health gate of a rollout stage: the instances that run the new release against those that do
 * not, over the same time (since the stage's bake started). It fails when an upgraded instance is
 * unhealthy by its host's own callback (more often than the others are), or when the upgraded
 * instances' error rate of plugin calls exceeds the others' by more than the plan allows. Pure:
 * the driver gives it the counts.
 */
import type { CallCounts } from '../runtime/call-counter.js';
import type { InstanceHealth } from './instance-state.js';

export interface GateSample {
  readonly instance: string;
  /** Calls and failures since the bake started. */
  readonly calls: CallCounts;
  readonly health: InstanceHealth;
}

export type GateVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Calls since `baseline` (a restarted instance counts from zero again). */
export function callsSince(now: CallCounts, baseline: CallCounts | undefined): CallCounts {
  if (baseline === undefined || now.total < baseline.total || now.failed < baseline.failed) return now;
  return { total: now.total - baseline.total, failed: now.failed - baseline.failed };
}

function sum(samples: readonly GateSample[]): CallCounts {
  return samples.reduce((acc, s) => ({ total: acc.total + s.calls.total, failed: acc.failed + s.calls.failed }), { total: 0, failed: 0 });
}

const rate = (c: CallCounts): number => (c.total === 0 ? 0 : c.failed / c.total);
const percent = (r: number): string => `${(r * 100).toFixed(1)}%`;

export function evaluateGate(upgraded: readonly GateSample[], others: readonly GateSample[], maxErrorRate: number): GateVerdict {
  const unhealthy = upgraded.filter((s) => !s.health.ok);
  const unhealthyShare = upgraded.length === 0 ? 0 : unhealthy.length / upgraded.length;
  const othersUnhealthyShare = others.length === 0 ? 0 : others.filter((s) => !s.health.ok).length / others.length;
  const first = unhealthy[0];
  if (first !== undefined && unhealthyShare > othersUnhealthyShare) {
    return { ok: false, reason: `${first.instance} reports unhealthy${first.health.reason === undefined ? '' : `: ${first.health.reason}`}` };
  }
  const mine = sum(upgraded);
  const theirs = sum(others);
  if (rate(mine) > rate(theirs) + maxErrorRate) {
    const against = others.length === 0 ? 'no instance left on the previous release to compare with' : `${percent(rate(theirs))} on the others (${theirs.failed} of ${theirs.total})`;
    return {
      ok: false,
      reason: `error rate ${percent(rate(mine))} on the upgraded instances (${mine.failed} of ${mine.total} calls) against ${against}, more than ${percent(maxErrorRate)} allowed`,
    };
  }
  return { ok: true };
}
