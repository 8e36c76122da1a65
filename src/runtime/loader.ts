/**
 * Loading an artifact into the running process: read it, check its sha256 against the manifest,
 * compile it, evaluate it. This is the typed seam `PluginManagerOptions.loader`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { ARTIFACT_PARAMETERS, stableArtifactPath } from '../artifact/format.js';
import type { Manifest } from '../artifact/manifest.js';
import { ArtifactMissingError, HashMismatchError, PluginEvaluationError } from '../errors.js';
import { sharedCompiler, type CodeCacheCompiler } from './compile-worker.js';
import { attachLazySourceMap, registerPlaceholder, splitInlineSourceMap } from './lazy-source-map.js';
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

/** Lets the callbacks waiting in the event loop run before going on. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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

/** How the default loader compiled the artifacts it loaded (`status().compile`). */
export interface CompileCounts {
  /** Compiled in the worker; the main thread only deserialised V8's code cache. */
  readonly cached: number;
  /** The cache was rejected by V8 (another V8, other flags): compiled on the main thread instead. */
  readonly rejected: number;
  /** Compiled on the main thread: off-thread compiling is off, or the worker could not compile it. */
  readonly mainThread: number;
}

export interface FunctionArtifactLoaderOptions {
  /**
   * Compile each artifact in a worker thread and only deserialise V8's code cache on the main
   * thread, so a reload does not stall the event loop for the compile. @default true
   */
  readonly compileOffThread?: boolean;
  /** What compiles off the main thread (for tests). @default the process's compile worker */
  readonly compiler?: CodeCacheCompiler;
}

/**
 * The default loader. Each artifact is compiled into a function of ARTIFACT_PARAMETERS and the
 * scope's parameters, under a stable `//# sourceURL` per plugin (see artifact/format.ts), with
 * two lines before the body as `new Function` writes them (the builder's source map counts on
 * them). By default the compile happens in a worker thread and the main thread deserialises V8's
 * code cache (`vm.Script`); Node maps stack frames of that code through the placeholder entry the
 * loader registers for the URL (lazy-source-map.ts). Without it, `new Function` on the main thread.
 */
export class FunctionArtifactLoader implements ArtifactLoader {
  /** One `require` per plugin: externals resolve from the host's node_modules, as from the artifact's directory. */
  readonly #requires = new Map<string, NodeJS.Require>();
  readonly #compiler: CodeCacheCompiler | undefined;
  readonly #counts = { cached: 0, rejected: 0, mainThread: 0 };

  constructor(options: FunctionArtifactLoaderOptions = {}) {
    disableCompilationCache();
    this.#compiler = options.compileOffThread === false ? undefined : (options.compiler ?? sharedCompiler());
  }

  get counts(): CompileCounts {
    return { ...this.#counts };
  }

  async load(manifest: Manifest, dir: string, options: LoadOptions = {}): Promise<LoadedArtifact> {
    const bytes = await readArtifact(manifest, options.file ?? join(dir, manifest.artifact));

    const stablePath = stableArtifactPath(dir, manifest.name);
    // The inline map is read when a stack trace needs it, not at every reload (lazy-source-map.ts).
    const { code, mapUrl } = splitInlineSourceMap(bytes.toString('utf8'));
    const parameters = [...ARTIFACT_PARAMETERS, ...SCOPE_PARAMETERS];
    const module = { exports: {} as unknown };
    let evaluate: (...args: unknown[]) => void;
    if (this.#compiler === undefined) {
      this.#counts.mainThread++;
      try {
        // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiling the artifact is this loader's job
        evaluate = new Function(...parameters, `${code}\n//# sourceURL=${stablePath}`) as typeof evaluate;
      } catch (error) {
        throw new PluginEvaluationError(manifest.name, error);
      }
    } else {
      // The same two lines before the body as new Function writes.
      const source = `(function anonymous(${parameters.join(',')}\n) {\n${code}\n})\n//# sourceURL=${stablePath}`;
      // The worker failing to compile (a syntax error) is reported by the main thread's compile below.
      const cachedData = await this.#compiler.compile(source, stablePath).catch(() => undefined);
      let script: Script;
      try {
        script = new Script(source, cachedData === undefined ? { filename: stablePath } : { filename: stablePath, cachedData });
      } catch (error) {
        throw new PluginEvaluationError(manifest.name, error);
      }
      if (cachedData === undefined) this.#counts.mainThread++;
      else if (script.cachedDataRejected === true) this.#counts.rejected++;
      else this.#counts.cached++;
      // Deserialising and evaluating are the two longest steps left on the main thread: requests
      // waiting run between them.
      await yieldToEventLoop();
      try {
        evaluate = script.runInThisContext() as typeof evaluate;
      } catch (error) {
        throw new PluginEvaluationError(manifest.name, error);
      }
      if (mapUrl !== undefined) registerPlaceholder(stablePath);
    }
    try {
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
