/**
 * One step of a rollout, decided from its state and what the instances report: choose the next
 * stage's instances, start the bake once they all run the release, roll back when one refuses it or
 * the health gate fails, go on when the bake is over, complete after the last stage. Pure: the
 * driver (driver.ts) reads Redis, calls this, and writes what it returns.
 */
import { createHash } from 'node:crypto';
import type { CallCounts } from '../runtime/call-counter.js';
import { callsSince, evaluateGate, type GateSample } from './gate.js';
import { isLive, type InstanceState } from './instance-state.js';
import type { RolloutState } from './rollout.js';

/** Instances in an order of their own for each release: each stage's instances are the first of them. */
function rank(instances: readonly string[], releaseId: string): string[] {
  const key = (instance: string): string => createHash('sha256').update(`${releaseId}\n${instance}`).digest('hex');
  return [...instances].sort((a, b) => key(a).localeCompare(key(b)));
}

/** The stage `stage` admits: its share of the live instances (at least one), with those admitted before. */
function admit(state: RolloutState, stage: number, live: readonly string[]): readonly string[] | 'all' {
  const share = state.plan.stages[stage] ?? 1;
  if (share >= 1) return 'all';
  const before = state.admitted === 'all' ? [] : state.admitted;
  const wanted = Math.max(1, Math.ceil(share * live.length));
  const admitted = [...before];
  for (const instance of rank(live, state.releaseId)) {
    if (admitted.filter((a) => live.includes(a)).length >= wanted) break;
    if (!admitted.includes(instance)) admitted.push(instance);
  }
  return admitted;
}

export function steer(state: RolloutState, reports: readonly InstanceState[], now: number, by: string): RolloutState | undefined {
  if (state.phase !== 'rolling') return undefined;
  const live = reports.filter((r) => isLive(r, now));
  const next = (change: Partial<RolloutState>): RolloutState => ({ ...state, ...change, updatedAt: now, by });
  const rollBack = (reason: string): RolloutState => next({ phase: 'rolled-back', reason });

  if (state.stage === -1) {
    if (live.length === 0 || state.paused) return undefined;
    return next({ stage: 0, admitted: admit(state, 0, live.map((r) => r.instance)) });
  }
  const inStage = live.filter((r) => state.admitted === 'all' || state.admitted.includes(r.instance));
  const refusal = inStage.find((r) => r.state === 'refused' && r.releaseId === state.releaseId);
  if (refusal !== undefined) {
    return rollBack(`${refusal.instance} refused ${state.version}: ${refusal.code ?? 'error'}${refusal.message === undefined ? '' : `: ${refusal.message}`}`);
  }
  const runsRelease = (r: InstanceState): boolean =>
    state.kind === 'hotfix' ? r.patches.some((p) => p.id === state.releaseId) : r.runningId === state.releaseId;
  if (!inStage.every(runsRelease)) return undefined;
  if (state.bakeStartedAt === null) {
    const baseline: Record<string, CallCounts> = {};
    for (const r of live) baseline[r.instance] = r.calls;
    return next({ bakeStartedAt: now, baseline });
  }
  const sample = (r: InstanceState): GateSample => ({ instance: r.instance, calls: callsSince(r.calls, state.baseline[r.instance]), health: r.health });
  const verdict = evaluateGate(live.filter(runsRelease).map(sample), live.filter((r) => !runsRelease(r)).map(sample), state.plan.maxErrorRate);
  if (!verdict.ok) return rollBack(`health gate failed at stage ${state.stage + 1} of ${state.plan.stages.length}: ${verdict.reason}`);
  if (state.paused || now - state.bakeStartedAt < state.plan.bakeMs) return undefined;
  if (state.stage === state.plan.stages.length - 1) return next({ phase: 'complete', reason: null });
  const stage = state.stage + 1;
  return next({ stage, admitted: admit(state, stage, live.map((r) => r.instance)), bakeStartedAt: null, baseline: {} });
}
