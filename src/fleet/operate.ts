/**
 * What an operator can do to a service's rollout (`hotswap rollout pause | resume | abort |
 * rollback`): each writes a new rollout state; the instances and the driver act on it.
 */
import type { Redis } from 'ioredis';
import { FleetRolloutError } from '../errors.js';
import { updateRollout, type RolloutEntry, type RolloutState } from './rollout.js';

export type RolloutAction = 'pause' | 'resume' | 'abort' | 'rollback';

/** The state `action` makes of `state`, or the reason it cannot. */
export function operate(state: RolloutState, action: RolloutAction, by: string, now: number): RolloutState | string {
  const next = (change: Partial<RolloutState>): RolloutState => ({ ...state, ...change, updatedAt: now, by });
  const done = state.phase === 'rolling' ? undefined : `the rollout of ${state.version} is ${state.phase}`;
  switch (action) {
    case 'pause':
      if (done !== undefined) return done;
      return state.paused ? 'it is paused already' : next({ paused: true, reason: `paused by ${by}` });
    case 'resume':
      if (done !== undefined) return done;
      return state.paused ? next({ paused: false, reason: null }) : 'it is not paused';
    case 'abort':
      return done ?? next({ phase: 'aborted', paused: false, reason: `aborted by ${by}` });
    case 'rollback':
      if (state.phase === 'rolled-back' || state.phase === 'aborted') return `the rollout of ${state.version} is ${state.phase} already`;
      return next({ phase: 'rolled-back', paused: false, reason: `rolled back by ${by}` });
  }
}

/**
 * Applies `action` to the service's rollout.
 * @throws FleetRolloutError when there is no rollout or the action does not apply to its state
 */
export async function operateRollout(redis: Redis, service: string, action: RolloutAction, by: string): Promise<RolloutEntry> {
  let refusal: string | undefined;
  const written = await updateRollout(redis, service, (state) => {
    if (state === undefined) {
      refusal = 'no release was published';
      return undefined;
    }
    const next = operate(state, action, by, Date.now());
    if (typeof next === 'string') {
      refusal = next;
      return undefined;
    }
    return next;
  });
  if (written === undefined) throw new FleetRolloutError(service, action, refusal ?? 'nothing to change');
  return written;
}
