/**
 * Loading an artifact into the running process: read it, check its sha256 against the manifest,
 * compile it, evaluate it. This is the typed seam `PluginManagerOptions.loader`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { ARTIFACT_PARAMETERS, stableArtifactPath } from '../artifact/format.js';
import type { Manifest } from '../artifact/manifest.js';
import { ArtifactMissingError, HashMismatchError, PluginEvaluationError } from '../errors.js';
import { attachLazySourceMap, splitInlineSourceMap } from './lazy-source-map.js';
import { globalParameters, SCOPE_PARAMETERS, type ResourceScope } from './resource-scope.js';

/** What evaluating an artifact produced: its CommonJS `module.exports`. */
export interface LoadedArtifact {
  readonly exports: unknown;
}

export interface LoadOptions {
  /**
   * Where to read the bytes instead (a copy the manager kept for rollback); the artifact still
   * belongs to `dir`: its identity and `require` resolution are dir's.
   */
  readonly file?: string;
  /**
   * The version's resource scope: the default loader passes its timers and `process` to the
   * artifact in place of the globals (resource-scope.ts). A loader of the caller's may ignore it.
   */
  readonly scope?: ResourceScope;
}

export interface ArtifactLoader {
  /**
   * Loads the artifact `manifest` names from directory `dir`. Rejects with a HotswapError
   * (ArtifactMissingError, HashMismatchError, PluginEvaluationError) naming the plugin.
   */
  load(manifest: Manifest, dir: string, options?: LoadOptions): Promise<LoadedArtifact>;
}

/**
 * The bytes of the artifact `manifest` names, read from `file` and checked against its sha256.
 * @throws ArtifactMissingError when it cannot be read, HashMismatchError when it is not those bytes
 */
export async function readArtifact(manifest: Manifest, file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ArtifactMissingError(manifest.name, file, error);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== manifest.sha256) throw new HashMismatchError(manifest.name, file, manifest.sha256, actual);
  return bytes;
}

let compilationCacheDisabled = false;

/**
 * V8 keeps every compiled source in its compilation cache, which keeps every old plugin version
 * alive (measured: +340 MB after 200 versions of a 1.6 MB module). Turning the cache off makes
 * old versions collectable. Process-wide: identical eval/new Function sources are then compiled
 * again instead of reused, which costs nothing a server notices.
 */
function disableCompilationCache(): void {
  if (compilationCacheDisabled) return;
  setFlagsFromString('--no-compilation-cache');
  compilationCacheDisabled = true;
}

/**
 * The default loader: `new Function` with a stable `//# sourceURL` per plugin (see artifact/format.ts),
 * the version's scoped timers and `process` passed in place of the globals.
 */
export class FunctionArtifactLoader implements ArtifactLoader {
  /** One `require` per plugin: externals resolve from the host's node_modules, as from the artifact's directory. */
  readonly #requires = new Map<string, NodeJS.Require>();

  constructor() {
    disableCompilationCache();
  }

  async load(manifest: Manifest, dir: string, options: LoadOptions = {}): Promise<LoadedArtifact> {
    const bytes = await readArtifact(manifest, options.file ?? join(dir, manifest.artifact));

    const stablePath = stableArtifactPath(dir, manifest.name);
    // The inline map is read when a stack trace needs it, not at every reload (lazy-source-map.ts).
    const { code, mapUrl } = splitInlineSourceMap(bytes.toString('utf8'));
    const source = `${code}\n//# sourceURL=${stablePath}`;
    const module = { exports: {} as unknown };
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiling the artifact is this loader's job
      const evaluate = new Function(...ARTIFACT_PARAMETERS, ...SCOPE_PARAMETERS, source) as (...args: unknown[]) => void;
      if (mapUrl !== undefined) attachLazySourceMap(stablePath, mapUrl);
      const scoped = options.scope?.parameters() ?? globalParameters();
      evaluate(module, module.exports, this.#requireFor(stablePath), stablePath, dirname(stablePath), ...scoped);
    } catch (error) {
      throw new PluginEvaluationError(manifest.name, error);
    }
    return { exports: module.exports };
  }

  #requireFor(stablePath: string): NodeJS.Require {
    let require = this.#requires.get(stablePath);
    if (require === undefined) {
      require = createRequire(stablePath);
      this.#requires.set(stablePath, require);
    }
    return require;
  }
}
