/**
 * A release: what `hotswap publish` records in the service's stream in Redis, once what it ships is
 * stored as blobs. Two kinds: `plugins`, the manifests of a build (each with its artifact's sha256,
 * and its signature when the build was signed), which instances reload from; `hotfix`, a patch
 * (`hotswap hotfix build`, signed or not) stored as one blob, which instances apply with their
 * hotfix engine on top of the plugins they run. Each has a version, who published it and when.
 * Instances act on a release when its rollout (rollout.ts) tells them to (join.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { parseManifest, type Manifest } from '../artifact/manifest.js';
import { describe, FleetReleaseInvalidError, HotfixInvalidError } from '../errors.js';
import { validatePatch } from '../hotfix/validate.js';
import { discoverPlugins } from '../runtime/discover.js';
import { readArtifact } from '../runtime/loader.js';
import { putBlob, sha256Of } from './blob-store.js';
import { serviceKeys } from './keys.js';
import { ALL_AT_ONCE, type RolloutPlan } from './plan.js';
import { startState, updateRollout, type ReleaseKind } from './rollout.js';

export const RELEASE_FORMAT = 1;

export interface Release {
  readonly format: typeof RELEASE_FORMAT;
  /** Absent in releases of earlier hotswap versions: `plugins`. */
  readonly kind: ReleaseKind;
  readonly service: string;
  readonly version: string;
  /** The build's manifests (none in a hotfix release). */
  readonly plugins: readonly Manifest[];
  /** The patch of a hotfix release: its version and the sha256 of its JSON, stored as a blob. */
  readonly patch?: { readonly version: string; readonly sha256: string };
  readonly author: string;
  readonly publishedAt: string;
}

/** A release with its id in the stream (ids grow with time). */
export interface PublishedRelease {
  readonly id: string;
  readonly release: Release;
}

interface PublishOptions {
  readonly service: string;
  readonly version?: string;
  readonly author?: string;
  /** Canary stages, bake, gate; default: every instance at once. */
  readonly plan?: RolloutPlan;
}

/** Releases kept in a service's stream (older ones are trimmed; their blobs stay). */
const STREAM_LENGTH = 1000;

/** Records `release` in the stream and starts its rollout from what the last one left as stable (superseding one in progress). */
async function record(redis: Redis, options: PublishOptions, release: Release): Promise<PublishedRelease> {
  const id = (await redis.xadd(serviceKeys(options.service).releases, 'MAXLEN', '~', String(STREAM_LENGTH), '*', 'release', JSON.stringify(release))) as string;
  await updateRollout(redis, options.service, (before) =>
    startState({ id, version: release.version, kind: release.kind }, options.plan ?? ALL_AT_ONCE, before, release.author, Date.now()),
  );
  return { id, release };
}

function common(options: PublishOptions): Pick<Release, 'format' | 'service' | 'author' | 'publishedAt'> {
  return { format: RELEASE_FORMAT, service: options.service, author: options.author ?? process.env['USER'] ?? 'unknown', publishedAt: new Date().toISOString() };
}

/**
 * Stores the artifacts of the build in `buildDir` as blobs and records the release.
 * @throws ArtifactMissingError or HashMismatchError when an artifact cannot be read or does not match its manifest (nothing is recorded)
 */
export async function publishRelease(redis: Redis, options: PublishOptions & { readonly buildDir: string }): Promise<PublishedRelease> {
  const manifests = await discoverPlugins(options.buildDir, undefined);
  for (const manifest of manifests) await putBlob(redis, await readArtifact(manifest, join(options.buildDir, manifest.artifact)));
  const version = options.version ?? sha256Of(Buffer.from(manifests.map((m) => m.sha256).join(','))).slice(0, 12);
  return record(redis, options, { ...common(options), kind: 'plugins', version, plugins: manifests });
}

/**
 * Stores the patch in `patchFile` (`hotswap hotfix build`) as a blob and records a hotfix release
 * of it; its version is the patch's unless given.
 * @throws HotfixInvalidError when the file is not a patch (nothing is recorded)
 */
export async function publishPatch(redis: Redis, options: PublishOptions & { readonly patchFile: string }): Promise<PublishedRelease> {
  const text = await readFile(options.patchFile);
  let patch: unknown;
  try {
    patch = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new HotfixInvalidError(`${options.patchFile} is not JSON: ${describe(error)}`);
  }
  const invalid = validatePatch(patch, process.cwd());
  if (invalid !== undefined) throw invalid;
  const patchVersion = (patch as { version: string }).version;
  const sha256 = await putBlob(redis, text);
  return record(redis, options, { ...common(options), kind: 'hotfix', version: options.version ?? patchVersion, plugins: [], patch: { version: patchVersion, sha256 } });
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
  const kind = value['kind'] ?? 'plugins';
  if (kind !== 'plugins' && kind !== 'hotfix') throw new FleetReleaseInvalidError(id, `its kind is ${JSON.stringify(kind)}`);
  if (kind === 'hotfix') {
    const patch = value['patch'] as Record<string, unknown> | undefined;
    if (typeof patch?.['version'] !== 'string' || typeof patch['sha256'] !== 'string') throw new FleetReleaseInvalidError(id, 'it is a hotfix release without its patch');
  }
  if (!Array.isArray(value['plugins'])) throw new FleetReleaseInvalidError(id, 'its plugins are not a list');
  let plugins: Manifest[];
  try {
    plugins = (value['plugins'] as unknown[]).map((manifest, i) => parseManifest(JSON.stringify(manifest), `release ${id} plugin ${i}`));
  } catch (error) {
    throw new FleetReleaseInvalidError(id, (error as Error).message, error);
  }
  return { id, release: { ...(value as unknown as Release), kind, plugins } };
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
