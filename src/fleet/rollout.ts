/**
 * A rollout: how a service's newest release reaches its instances. Its state is a snapshot in the
 * service's rollout stream in Redis; the newest entry is the state, the older ones its history.
 * Every writer (`hotswap publish`, the driver instance holding the lease, `hotswap rollout pause`
 * ...) writes through `updateRollout`, which appends only if the stream has not moved since it
 * read it, so two writers never overwrite each other's decision. Each instance derives from the
 * state which release it should run (`desiredRelease`) and converges on it.
 */
import type { Redis } from 'ioredis';
import { FleetReleaseInvalidError, FleetRolloutError } from '../errors.js';
import type { CallCounts } from '../runtime/call-counter.js';
import { serviceKeys } from './keys.js';
import { asPlan, type RolloutPlan } from './plan.js';

export const ROLLOUT_FORMAT = 1;

/** `plugins`: a build the instances reload from. `hotfix`: a patch their hotfix engine applies. */
export type ReleaseKind = 'plugins' | 'hotfix';

/** A release by its id in the releases stream, and its version. */
export interface ReleaseRef {
  readonly id: string;
  readonly version: string;
}

/** What an instance should run: a plugins release (null: the plugins it started with) and the hotfix releases applied on top, in order. */
export interface DesiredState {
  readonly plugins: string | null;
  readonly patches: readonly string[];
}

/**
 * `rolling`: stages in progress. `complete`: every instance runs the release. `rolled-back`: the
 * gate failed, or an operator asked: every instance returns to the previous release. `aborted`: an
 * operator stopped the rollout: upgraded instances return to the previous release.
 */
export type RolloutPhase = 'rolling' | 'complete' | 'rolled-back' | 'aborted';

export interface RolloutState {
  readonly format: typeof ROLLOUT_FORMAT;
  /** The release rolled out (its id in the releases stream) and its version. */
  readonly releaseId: string;
  readonly version: string;
  /** Absent in states of earlier hotswap versions: `plugins`. */
  readonly kind: ReleaseKind;
  /**
   * The plugins release the instances ran before: what instances outside the stage keep, and what
   * a rollback returns to (a hotfix rollout keeps it everywhere). Null: the plugins each instance
   * started with (no earlier release known).
   */
  readonly previousId: string | null;
  readonly previousVersion: string | null;
  /** The hotfix releases applied before this rollout, in order: they stay applied. */
  readonly patches: readonly ReleaseRef[];
  readonly plan: RolloutPlan;
  /** Index into `plan.stages`; -1 before the first stage's instances are chosen. */
  readonly stage: number;
  /** The instances of the stages so far; `all` at the last stage (instances joining later get the release too). */
  readonly admitted: readonly string[] | 'all';
  /** When every instance of the stage ran the release (ms since the epoch): the bake started. */
  readonly bakeStartedAt: number | null;
  /** Each live instance's call counts when the bake started: the gate compares what came after. */
  readonly baseline: Readonly<Record<string, CallCounts>>;
  readonly phase: RolloutPhase;
  /** Paused by an operator: no next stage starts (the gate still watches). */
  readonly paused: boolean;
  /** Why the rollout ended as it did, or was paused. */
  readonly reason: string | null;
  readonly updatedAt: number;
  /** Who wrote this state: an instance id, or the CLI's user. */
  readonly by: string;
}

/** A state with its id in the rollout stream. */
export interface RolloutEntry {
  readonly id: string;
  readonly state: RolloutState;
}

/** Whether the rollout wants its release on `instance`. */
function wantsRelease(state: RolloutState, instance: string): boolean {
  if (state.phase === 'complete') return true;
  if (state.phase !== 'rolling') return false;
  return state.admitted === 'all' || state.admitted.includes(instance);
}

/** What the rollout wants `instance` to run. */
export function desiredState(state: RolloutState, instance: string): DesiredState {
  const wanted = wantsRelease(state, instance);
  const patches = state.patches.map((p) => p.id);
  if (state.kind === 'hotfix') return { plugins: state.previousId, patches: wanted ? [...patches, state.releaseId] : patches };
  return { plugins: wanted ? state.releaseId : state.previousId, patches };
}

/**
 * What a rollout leaves as the service's stable state: what the next rollout starts from. A
 * rollout superseded at its last stage (every instance told to run it) leaves its release; one
 * superseded in a canary stage, or rolled back, leaves what was there before it.
 */
export function stableState(state: RolloutState): { readonly plugins: ReleaseRef | null; readonly patches: readonly ReleaseRef[] } {
  const reachedAll = state.phase === 'complete' || (state.phase === 'rolling' && state.admitted === 'all');
  const before = state.previousId === null ? null : { id: state.previousId, version: state.previousVersion ?? state.previousId };
  const release = { id: state.releaseId, version: state.version };
  if (state.kind === 'hotfix') return { plugins: before, patches: reachedAll ? [...state.patches, release] : state.patches };
  return { plugins: reachedAll ? release : before, patches: state.patches };
}

/** The state a new release's rollout starts in. Without canary stages, every instance is admitted at once. */
export function startState(
  release: { readonly id: string; readonly version: string; readonly kind: ReleaseKind },
  plan: RolloutPlan,
  before: RolloutState | undefined,
  by: string,
  now: number,
): RolloutState {
  const stable = before === undefined ? { plugins: null, patches: [] } : stableState(before);
  const allAtOnce = plan.stages.length === 1;
  return {
    format: ROLLOUT_FORMAT,
    releaseId: release.id,
    version: release.version,
    kind: release.kind,
    previousId: stable.plugins?.id ?? null,
    previousVersion: stable.plugins?.version ?? null,
    patches: stable.patches,
    plan,
    stage: allAtOnce ? 0 : -1,
    admitted: allAtOnce ? 'all' : [],
    bakeStartedAt: null,
    baseline: {},
    phase: 'rolling',
    paused: false,
    reason: null,
    updatedAt: now,
    by,
  };
}

/**
 * A state as the stream holds it.
 * @throws FleetReleaseInvalidError naming the entry
 */
export function readRolloutEntry(id: string, fields: readonly string[]): RolloutEntry {
  const at = fields.indexOf('rollout');
  const text = at === -1 ? undefined : fields[at + 1];
  const invalid = (detail: string, cause?: unknown): FleetReleaseInvalidError => new FleetReleaseInvalidError(`rollout ${id}`, detail, cause);
  if (text === undefined) throw invalid('it has no rollout field');
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw invalid('its rollout field is not JSON', error);
  }
  if (value['format'] !== ROLLOUT_FORMAT) throw invalid(`its format is ${JSON.stringify(value['format'])}; this hotswap reads ${ROLLOUT_FORMAT}`);
  if (typeof value['releaseId'] !== 'string' || typeof value['version'] !== 'string') throw invalid('it names no release');
  if (asPlan(value['plan']) === undefined) throw invalid('its plan is not one');
  if (!['rolling', 'complete', 'rolled-back', 'aborted'].includes(value['phase'] as string)) throw invalid(`its phase is ${JSON.stringify(value['phase'])}`);
  const admitted = value['admitted'];
  if (admitted !== 'all' && !(Array.isArray(admitted) && admitted.every((a) => typeof a === 'string'))) throw invalid('its admitted instances are not a list');
  if (typeof value['stage'] !== 'number') throw invalid('its stage is not a number');
  const kind = value['kind'] ?? 'plugins';
  if (kind !== 'plugins' && kind !== 'hotfix') throw invalid(`its kind is ${JSON.stringify(kind)}`);
  const patches = value['patches'] ?? [];
  if (!Array.isArray(patches) || !patches.every((p: Partial<ReleaseRef> | null) => typeof p?.id === 'string' && typeof p.version === 'string')) {
    throw invalid('its patches are not a list of releases');
  }
  return { id, state: { ...(value as unknown as RolloutState), kind, patches: patches as ReleaseRef[] } };
}

/** The service's rollout now, if a release was ever published. */
export async function readRollout(redis: Redis, service: string): Promise<RolloutEntry | undefined> {
  const [entry] = await redis.xrevrange(serviceKeys(service).rollout, '+', '-', 'COUNT', 1);
  return entry === undefined ? undefined : readRolloutEntry(entry[0], entry[1]);
}

/** Rollout states kept in the stream (its history; older ones are trimmed). */
const STREAM_LENGTH = 1000;

/** Appends ARGV[2] as the new state only if the newest entry is still ARGV[1] ('0': none). */
const APPEND_IF_NEWEST = `
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id = '0'
if newest[1] then id = newest[1][1] end
if id ~= ARGV[1] then return false end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'rollout', ARGV[2])
`;

/** How often `updateRollout` reads again after another writer came first. */
const ATTEMPTS = 20;

/**
 * Reads the rollout, asks `change` for the next state (undefined: no change), and appends it if no
 * other writer appended meanwhile; otherwise reads again and asks again.
 * @returns the entry written, or undefined when `change` made none
 */
export async function updateRollout(
  redis: Redis,
  service: string,
  change: (current: RolloutState | undefined) => RolloutState | undefined,
): Promise<RolloutEntry | undefined> {
  const key = serviceKeys(service).rollout;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await readRollout(redis, service);
    const next = change(current?.state);
    if (next === undefined) return undefined;
    const id = (await redis.eval(APPEND_IF_NEWEST, 1, key, current?.id ?? '0', JSON.stringify(next), String(STREAM_LENGTH))) as string | null;
    if (id !== null) return { id, state: next };
  }
  throw new FleetRolloutError(service, 'update', `it changed ${ATTEMPTS} times while it was being written; try again`);
}
