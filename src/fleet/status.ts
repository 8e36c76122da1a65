/**
 * A service's fleet as `hotswap rollout status` shows it: the rollout (release, stage, bake, phase
 * and why), which instance drives it, and every instance with the release it runs, its state, its
 * generation, its error rate, and whether it is behind (runs another release than the rollout
 * wants of it) or unreachable (silent for longer than a heartbeat allows).
 */
import type { Redis } from 'ioredis';
import { isLive, parseInstances, runsDesired, type InstanceState } from './instance-state.js';
import { serviceKeys } from './keys.js';
import { desiredState, readRollout, type RolloutState } from './rollout.js';

export interface FleetInstanceStatus extends InstanceState {
  /** Silent for too long (dead, or cut off from Redis), and not left. */
  readonly unreachable: boolean;
  /** Runs another release than the rollout wants of it. */
  readonly behind: boolean;
}

export interface FleetStatus {
  readonly service: string;
  /** The rollout's state, with `entry`: its id in the rollout stream. */
  readonly rollout: (RolloutState & { readonly entry: string }) | null;
  /** The instance holding the lease: the one that steers the rollout. */
  readonly driver: string | null;
  readonly instances: readonly FleetInstanceStatus[];
}

export async function readFleetStatus(redis: Redis, service: string, now = Date.now()): Promise<FleetStatus> {
  const keys = serviceKeys(service);
  const [rollout, hash, driver] = await Promise.all([readRollout(redis, service), redis.hgetall(keys.instances), redis.get(keys.lease)]);
  const instances = parseInstances(hash).map((i) => ({
    ...i,
    unreachable: i.state !== 'left' && !isLive(i, now),
    behind: rollout !== undefined && i.state !== 'left' && !runsDesired(i, desiredState(rollout.state, i.instance)),
  }));
  return { service, rollout: rollout === undefined ? null : { ...rollout.state, entry: rollout.id }, driver, instances };
}

const percent = (fraction: number): string => `${Math.round(fraction * 1000) / 10}%`;

/** The rollout in one line: release, phase, stage, bake. */
function rolloutLine(r: RolloutState, now: number): string {
  const from = `${r.previousVersion ?? 'the start plugins'}${r.patches.map((p) => ` + ${p.version}`).join('')}`;
  const head = `${r.kind === 'hotfix' ? 'hotfix' : 'release'} ${r.version} (${r.releaseId}), on ${from}: ${r.phase}`;
  if (r.phase !== 'rolling') return `${head}${r.reason === null ? '' : ` (${r.reason})`}`;
  const stages = r.plan.stages.map(percent).join(' → ');
  const stage = r.stage === -1 ? 'choosing the first stage' : `stage ${r.stage + 1} of ${r.plan.stages.length} (${stages})`;
  const bake =
    r.stage === -1 ? '' : r.bakeStartedAt === null ? ', applying' : `, baking ${(Math.min(r.plan.bakeMs, now - r.bakeStartedAt) / 1000).toFixed(1)} s of ${r.plan.bakeMs / 1000} s`;
  return `${head}, ${stage}${bake}${r.paused ? `, paused${r.reason === null ? '' : ` (${r.reason})`}` : ''}`;
}

export function formatFleetStatus(status: FleetStatus, now = Date.now()): string {
  const lines = [`${status.service}: ${status.rollout === null ? 'no release published' : rolloutLine(status.rollout, now)}`];
  if (status.driver !== null) lines.push(`  driven by ${status.driver}`);
  for (const i of status.instances) {
    const state = i.unreachable ? 'unreachable' : i.state;
    const flags = `${i.behind ? ' (behind)' : ''}${i.health.ok ? '' : ` unhealthy${i.health.reason === undefined ? '' : `: ${i.health.reason}`}`}`;
    const errors = i.calls.total === 0 ? 'no calls' : `${percent(i.calls.failed / i.calls.total)} errors of ${i.calls.total} calls`;
    const refusal = i.state === 'refused' ? `  refused ${i.release ?? '?'}: ${i.code ?? 'error'}: ${i.message ?? ''}` : '';
    lines.push(`  ${i.instance}  ${state}${flags}  runs ${i.runningVersion ?? '-'}${i.patches.map((p) => ` + ${p.version}`).join('')}  generation ${i.generation ?? '-'}  ${errors}${refusal}`);
  }
  return lines.join('\n') + '\n';
}
