/** A fleet of instances fed releases through Redis (see join.ts, release.ts). */
export { joinFleet, type FleetMember, type InstanceState, type JoinFleetOptions } from './join.js';
export { currentRelease, publishRelease, readRelease, RELEASE_FORMAT, type PublishedRelease, type Release } from './release.js';
export { getBlob, putBlob, CHUNK_BYTES } from './blob-store.js';
