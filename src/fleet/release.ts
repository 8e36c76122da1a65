/**
 * A release: what `hotswap publish` records in the service's stream in Redis, once the artifacts
 * are stored as blobs: the manifests of the build (each with its artifact's sha256, and its
 * signature when the build was signed), a version, who published it and when. Instances read it
 * and load exactly those artifacts (join.ts), when the release's rollout (rollout.ts) tells them to.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { parseManifest, type Manifest } from '../artifact/manifest.js';
import { FleetReleaseInvalidError } from '../errors.js';
import { discoverPlugins } from '../runtime/discover.js';
import { readArtifact } from '../runtime/loader.js';
import { putBlob, sha256Of } from './blob-store.js';
import { serviceKeys } from './keys.js';
import { ALL_AT_ONCE, type RolloutPlan } from './plan.js';
import { startState, updateRollout } from './rollout.js';

export const RELEASE_FORMAT = 1;

export interface Release {
  readonly format: typeof RELEASE_FORMAT;
  readonly service: string;
  readonly version: string;
  readonly plugins: readonly Manifest[];
  readonly author: string;
  readonly publishedAt: string;
}

/** A release with its id in the stream (ids grow with time: the newest is the current release). */
export interface PublishedRelease {
  readonly id: string;
  readonly release: Release;
}

/** Releases kept in a service's stream (older ones are trimmed; their blobs stay). */
const STREAM_LENGTH = 1000;

/**
 * Stores the artifacts of the build in `buildDir` as blobs and records the release.
 * @throws ArtifactMissingError or HashMismatchError when an artifact cannot be read or does not match its manifest (nothing is recorded)
 */
export async function publishRelease(
  redis: Redis,
  options: {
    readonly service: string;
    readonly buildDir: string;
    readonly version?: string;
    readonly author?: string;
    /** Canary stages, bake, gate; default: every instance at once. */
    readonly plan?: RolloutPlan;
  },
): Promise<PublishedRelease> {
  const manifests = await discoverPlugins(options.buildDir, undefined);
  for (const manifest of manifests) await putBlob(redis, await readArtifact(manifest, join(options.buildDir, manifest.artifact)));
  const release: Release = {
    format: RELEASE_FORMAT,
    service: options.service,
    version: options.version ?? sha256Of(Buffer.from(manifests.map((m) => m.sha256).join(','))).slice(0, 12),
    plugins: manifests,
    author: options.author ?? process.env['USER'] ?? 'unknown',
    publishedAt: new Date().toISOString(),
  };
  const id = (await redis.xadd(serviceKeys(options.service).releases, 'MAXLEN', '~', String(STREAM_LENGTH), '*', 'release', JSON.stringify(release))) as string;
  // The rollout starts from whatever the last one left as the stable release (superseding one in progress).
  await updateRollout(redis, options.service, (before) => startState({ id, version: release.version }, options.plan ?? ALL_AT_ONCE, before, release.author, Date.now()));
  return { id, release };
}

/**
 * A release as the stream holds it (`fields` as XREAD gives them).
 * @throws FleetReleaseInvalidError naming the release
 */
export function readRelease(id: string, fields: readonly string[]): PublishedRelease {
  const at = fields.indexOf('release');
  const text = at === -1 ? undefined : fields[at + 1];
  if (text === undefined) throw new FleetReleaseInvalidError(id, 'it has no release field');
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new FleetReleaseInvalidError(id, 'its release field is not JSON', error);
  }
  if (value['format'] !== RELEASE_FORMAT) throw new FleetReleaseInvalidError(id, `its format is ${JSON.stringify(value['format'])}; this hotswap reads ${RELEASE_FORMAT}`);
  for (const field of ['service', 'version', 'author', 'publishedAt']) {
    if (typeof value[field] !== 'string') throw new FleetReleaseInvalidError(id, `its ${field} is not a string`);
  }
  if (!Array.isArray(value['plugins'])) throw new FleetReleaseInvalidError(id, 'its plugins are not a list');
  let plugins: Manifest[];
  try {
    plugins = (value['plugins'] as unknown[]).map((manifest, i) => parseManifest(JSON.stringify(manifest), `release ${id} plugin ${i}`));
  } catch (error) {
    throw new FleetReleaseInvalidError(id, (error as Error).message, error);
  }
  return { id, release: { ...(value as unknown as Release), plugins } };
}

/**
 * The release with stream id `id`.
 * @throws FleetReleaseInvalidError when the stream no longer holds it (trimmed, or Redis lost it) or it is malformed
 */
export async function releaseById(redis: Redis, service: string, id: string): Promise<PublishedRelease> {
  const [entry] = await redis.xrange(serviceKeys(service).releases, id, id);
  if (entry === undefined) throw new FleetReleaseInvalidError(id, `the releases of ${service} in Redis no longer hold it`);
  return readRelease(entry[0], entry[1]);
}
