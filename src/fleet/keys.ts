/** Where a fleet keeps its data in Redis: blobs shared by every service, the rest under the service's name. */
export const blobMetaKey = (sha256: string): string => `hotswap:blob:${sha256}`;
export const blobChunkKey = (sha256: string, index: number): string => `hotswap:blob:${sha256}:${index}`;

export interface ServiceKeys {
  /** A stream of the releases published. */
  readonly releases: string;
  /** A stream of the rollout's states, the newest is the state now. */
  readonly rollout: string;
  /** A hash: instance id → its report. */
  readonly instances: string;
  /** Which instance drives the rollout now (a key that expires unless its holder renews it). */
  readonly lease: string;
}

export function serviceKeys(service: string): ServiceKeys {
  const prefix = `hotswap:fleet:${service}`;
  return { releases: `${prefix}:releases`, rollout: `${prefix}:rollout`, instances: `${prefix}:instances`, lease: `${prefix}:lease` };
}

/** Every key of a service (not its blobs, which services share): what removing a service deletes. */
export function allServiceKeys(service: string): string[] {
  const keys = serviceKeys(service);
  return [keys.releases, keys.rollout, keys.instances, keys.lease];
}
