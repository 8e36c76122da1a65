/**
 * What `rollback()` goes back to: the manifests of the manager's last N generations, and a copy of
 * every artifact they reference, so that a rollback loads the exact bytes (checked by sha256 as
 * always) even after the plugin directory moved on and `hotswap build` pruned old artifacts.
 *
 * The copies live in the per-user runtime directory, `<pid>.kept/<manager>/`, under their
 * content-addressed names: a copy is shared by every kept generation that uses it and removed when
 * none does, when the manager closes, and when the process exits. A killed process cannot remove
 * its copies: the next process that keeps copies removes those of processes that are gone.
 */
import { rmSync } from 'node:fs';
import { copyFile, mkdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../artifact/manifest.js';
import { ensureRuntimeDir } from '../discovery/runtime-dir.js';
import { sweepDeadProcessEntries } from '../discovery/dead-process-entries.js';
import { describe, RollbackUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Generation } from './generation.js';
import { loadInstance } from './candidates.js';
import type { ArtifactLoader } from './loader.js';
import type { Candidate } from './next-generation.js';

interface KeptPlugin {
  readonly manifest: Manifest;
  /** The plugin directory the manifest was read from: the artifact is loaded against it again. */
  readonly dir: string;
}

interface KeptGeneration {
  readonly id: number;
  readonly plugins: readonly KeptPlugin[];
}

/** A generation `rollback()` can go back to, as `status().kept` lists it. */
export interface KeptGenerationStatus {
  readonly id: number;
  /** `name@version` of each plugin, in load order. */
  readonly plugins: readonly string[];
}

const PROCESS_DIR = `${process.pid}.kept`;
let processDir: string | undefined;
let managers = 0;

/** This process's directory of kept copies, made on first use; each new manager first sweeps the copies of dead processes. */
async function keptRoot(): Promise<string> {
  const runtimeDir = ensureRuntimeDir();
  await sweepDeadProcessEntries(runtimeDir, /^([1-9][0-9]*)\.kept$/);
  const dir = join(runtimeDir, PROCESS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (processDir === undefined) {
    processDir = dir;
    // Synchronous on purpose: 'exit' listeners cannot wait.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return processDir;
}

export class KeptGenerations {
  readonly #limit: number;
  readonly #logger: Logger;
  readonly #serial = ++managers;
  #entries: KeptGeneration[] = [];
  /** Artifact file name → the kept copy's path, for those copied. */
  readonly #copies = new Map<string, string>();
  /** The manager's copy directory: a promise while it is made, undefined once that failed. */
  #dir: Promise<string | undefined> | undefined;

  constructor(limit: number, logger: Logger) {
    this.#limit = limit;
    this.#logger = logger;
  }

  /**
   * Remembers the generation just swapped in and copies the artifacts it references that are not
   * copied yet. Never fails: a copy that cannot be made is logged, and a rollback to that generation
   * then needs the artifact still in its plugin directory.
   */
  async keep<Ext>(generation: Generation<Ext>): Promise<void> {
    if (this.#limit === 0) return;
    const plugins: KeptPlugin[] = [];
    for (const instance of generation.instances.values()) {
      // Statically linked plugins have no artifact: such a manager cannot roll back.
      if (instance.manifest === undefined || instance.dir === undefined) return;
      plugins.push({ manifest: instance.manifest, dir: instance.dir });
    }
    this.#entries.push({ id: generation.id, plugins });
    const dropped = this.#entries.splice(0, Math.max(0, this.#entries.length - this.#limit));
    const dir = await this.#copyDir();
    if (dir !== undefined) {
      for (const { manifest, dir: source } of plugins) {
        if (this.#copies.has(manifest.artifact)) continue;
        const copy = join(dir, manifest.artifact);
        try {
          await copyFile(join(source, manifest.artifact), copy);
          this.#copies.set(manifest.artifact, copy);
        } catch (error) {
          this.#logger.warn(`rollback: could not keep a copy of ${manifest.artifact} (plugin ${manifest.name}): ${describe(error)}`);
        }
      }
    }
    if (dropped.length > 0) await this.#removeUnreferenced();
  }

  /** The kept generations, oldest first. */
  list(): KeptGenerationStatus[] {
    return this.#entries.map((entry) => ({ id: entry.id, plugins: entry.plugins.map((p) => `${p.manifest.name}@${p.manifest.version}`) }));
  }

  /**
   * The candidates that rebuild generation `to` (default: the newest one before `current` that runs
   * other artifacts), each loading its kept copy when there is one, else the artifact in its plugin
   * directory.
   * @throws RollbackUnavailableError when that generation is not kept
   */
  candidates(to: number | undefined, current: number, loader: ArtifactLoader): { id: number; candidates: Candidate[] } {
    const kept = this.list().map((k) => k.id);
    const running = artifactsOf(this.#entries.find((entry) => entry.id === current));
    const target =
      to === undefined
        ? // The newest earlier generation that runs something else (a rollback of a rollback goes further back).
          this.#entries.filter((entry) => entry.id < current && artifactsOf(entry) !== running).at(-1)
        : this.#entries.find((entry) => entry.id === to);
    if (target === undefined) {
      const which = kept.length === 0 ? 'no generation is kept' : `the kept generations are ${kept.join(', ')}`;
      const why = to === undefined ? `no generation before ${current} that runs other artifacts is kept (${which})` : `it is not kept (${which})`;
      throw new RollbackUnavailableError(to, why);
    }
    if (target.id === current) throw new RollbackUnavailableError(to, 'it is the current generation');
    const candidates = target.plugins.map(({ manifest, dir }) => {
      const file = this.#copies.get(manifest.artifact);
      return {
        name: manifest.name,
        sha256: manifest.sha256,
        instantiate: () => loadInstance(loader, manifest, dir, file),
      };
    });
    return { id: target.id, candidates };
  }

  /**
   * Forgets generation `id` (its copies go when nothing else uses them): a reload undone because
   * another cluster worker refused it is no rollback target.
   */
  async forget(id: number): Promise<void> {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((entry) => entry.id !== id);
    if (this.#entries.length !== before) await this.#removeUnreferenced();
  }

  /** Forgets every generation and removes the copies. */
  async close(): Promise<void> {
    this.#entries = [];
    const dir = this.#dir === undefined ? undefined : await this.#dir;
    this.#copies.clear();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  #copyDir(): Promise<string | undefined> {
    this.#dir ??= (async () => {
      try {
        const dir = join(await keptRoot(), `m${this.#serial}`);
        await mkdir(dir, { recursive: true, mode: 0o700 });
        return dir;
      } catch (error) {
        this.#logger.warn(`rollback: keeping only manifests, no artifact copies: ${describe(error)}`);
        return undefined;
      }
    })();
    return this.#dir;
  }

  async #removeUnreferenced(): Promise<void> {
    const referenced = new Set(this.#entries.flatMap((entry) => entry.plugins.map((p) => p.manifest.artifact)));
    for (const [artifact, copy] of this.#copies) {
      if (referenced.has(artifact)) continue;
      this.#copies.delete(artifact);
      await unlink(copy).catch(() => undefined);
    }
  }
}

/** A generation's artifacts as one comparable string (undefined for none). */
function artifactsOf(entry: KeptGeneration | undefined): string | undefined {
  return entry?.plugins.map((p) => `${p.manifest.name}:${p.manifest.sha256}`).join(',');
}
