/** A fleet of instances fed releases through Redis, rolled out in stages (see join.ts, rollout.ts, steer.ts). */
export { joinFleet, type FleetMember, type JoinFleetOptions } from './join.js';
export { HEARTBEAT_MS, LIVE_MS, type InstanceHealth, type InstanceState } from './instance-state.js';
export { publishPatch, publishRelease, readRelease, releaseById, RELEASE_FORMAT, type PublishedRelease, type Release } from './release.js';
export { ALL_AT_ONCE, planFrom, type RolloutPlan } from './plan.js';
export { desiredState, readRollout, ROLLOUT_FORMAT, type DesiredState, type ReleaseKind, type ReleaseRef, type RolloutEntry, type RolloutPhase, type RolloutState } from './rollout.js';
export { operateRollout, type RolloutAction } from './operate.js';
export { formatFleetStatus, readFleetStatus, type FleetInstanceStatus, type FleetStatus } from './status.js';
export { evaluateGate, type GateSample, type GateVerdict } from './gate.js';
export { getBlob, putBlob, CHUNK_BYTES } from './blob-store.js';
