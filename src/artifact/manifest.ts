/**
 * The manifest: the contract between `hotswap build` (which writes it) and the host runtime
 * (which reads it). One `<plugin>.manifest.json` per plugin in an output directory names the
 * content-addressed artifact file and its sha256. The builder writes the artifact first and renames
 * the manifest into place last, so a reader sees either the old pair or the new pair, never half.
 */
import { ManifestInvalidError } from '../errors.js';
import { isSignature, type Signature } from '../signing/signature.js';

/** Bumped when the manifest or artifact format changes incompatibly. */
export const MANIFEST_FORMAT = 1;

/** File name suffix of a manifest in an output directory. */
export const MANIFEST_SUFFIX = '.manifest.json';

export interface ExternalDependency {
  /** Package name as imported (`lodash`, `@scope/pkg`). */
  readonly name: string;
  /** Version it resolved to at build time, or `null` when it could not be resolved from the plugin. */
  readonly version: string | null;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** Plugin name: the plugin directory's base name. */
  readonly name: string;
  /** Version label (`--version`), or the first 12 hex digits of the sha256 when none was given. */
  readonly version: string;
  /** Artifact file name, relative to the manifest's directory. */
  readonly artifact: string;
  /** sha256 of the artifact's bytes, hex. */
  readonly sha256: string;
  /** ISO 8601 time of the build. */
  readonly builtAt: string;
  readonly hotswapVersion: string;
  /** `process.version` of the Node.js that ran the build. */
  readonly nodeVersion: string;
  /** Whether npm dependencies were bundled in (`--bundle-deps`) or left external. */
  readonly bundleDeps: boolean;
  /** Whether the artifact carries an inline source map. */
  readonly sourcemap: boolean;
  /** Packages the artifact `require`s at run time, from the host's node_modules. */
  readonly externals: readonly ExternalDependency[];
  /** Live functions and live types found at build time (exported, name starting with the prefix). */
  readonly live: LiveNames;
  /** The builder's signature of this manifest (`hotswap build --sign`), checked by a host with trusted keys. */
  readonly signature?: Signature;
}

export interface LiveNames {
  /** The prefix they were found by, matched case-insensitively. @default 'live_' */
  readonly prefix: string;
  /** Exported function names, in any module of the plugin. */
  readonly functions: readonly string[];
  /** Exported class names. */
  readonly types: readonly string[];
}

export function manifestFileName(plugin: string): string {
  return plugin + MANIFEST_SUFFIX;
}

const HEX64 = /^[0-9a-f]{64}$/;
// A plugin name is a directory base name; the artifact must stay inside the manifest's directory.
const SAFE_FILE = /^[^/\\]+$/;

/** Parses and validates a manifest's text; throws ManifestInvalidError naming the file and the field. */
export function parseManifest(text: string, file: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ManifestInvalidError(file, 'not JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestInvalidError(file, 'not a JSON object');
  }
  const m = value as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new ManifestInvalidError(file, `field "${field}" must be ${expected}`);
  };
  if (m.format !== MANIFEST_FORMAT) fail('format', `${MANIFEST_FORMAT} (this hotswap reads format ${MANIFEST_FORMAT})`);
  for (const field of ['name', 'version', 'artifact', 'builtAt', 'hotswapVersion', 'nodeVersion']) {
    if (typeof m[field] !== 'string' || m[field] === '') fail(field, 'a non-empty string');
  }
  if (!SAFE_FILE.test(m.name as string)) fail('name', 'a plain name');
  if (!SAFE_FILE.test(m.artifact as string) || m.artifact === '..' || m.artifact === '.') {
    fail('artifact', 'a file name in the manifest directory');
  }
  if (typeof m.sha256 !== 'string' || !HEX64.test(m.sha256)) fail('sha256', '64 lowercase hex digits');
  if (typeof m.bundleDeps !== 'boolean') fail('bundleDeps', 'a boolean');
  if (typeof m.sourcemap !== 'boolean') fail('sourcemap', 'a boolean');
  if (!Array.isArray(m.externals)) fail('externals', 'an array');
  for (const dep of m.externals as unknown[]) {
    const d = dep as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null || typeof d.name !== 'string' || !(typeof d.version === 'string' || d.version === null)) {
      fail('externals', 'an array of { name, version }');
    }
  }
  const live = m.live as Record<string, unknown> | null;
  const isNameList = (v: unknown): boolean => Array.isArray(v) && v.every((n) => typeof n === 'string' && n !== '');
  if (typeof live !== 'object' || live === null || typeof live.prefix !== 'string' || !isNameList(live.functions) || !isNameList(live.types)) {
    fail('live', 'an object { prefix, functions: string[], types: string[] }');
  }
  if (m.signature !== undefined && !isSignature(m.signature)) fail('signature', 'an object { algorithm: "ed25519", keyId: 16 hex digits, value: base64 }');
  return m as unknown as Manifest;
}
