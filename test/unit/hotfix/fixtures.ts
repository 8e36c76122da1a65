/**
 * Real modules for hotfix tests: written to a temp dir, loaded with require/import, then patched.
 * Every module gets a fresh file name, so a test never sees another test's (patched) copy.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir, type TempDir } from '../../helpers/build-fixture.js';
import { WAIT_MS, withTimeout } from '../../helpers/timeout.js';
import { createHotfixEngine, type HotfixEngine, type HotfixEngineOptions } from '../../../src/hotfix/index.js';
import type { PlanFile } from '../../../src/hotfix/prepare.js';
import { functionTexts } from '../../../src/hotfix/function-texts.js';
import type { Patch, PlannedFunction } from '../../../src/hotfix/types.js';
import type { Logger } from '../../../src/logger.js';
import { after, before } from 'node:test';

export type ModuleKind = 'cjs' | 'esm';

/** What a test module exports: untyped JavaScript, poked at freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = any;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let counter = 0;

export class ModuleDir {
  readonly dir: TempDir;
  private readonly require: NodeJS.Require;

  constructor() {
    this.dir = makeTempDir('hotswap-hotfix-');
    this.require = createRequire(join(this.dir.path, 'index.js'));
  }

  /** Writes a file and returns its absolute path. */
  write(name: string, source: string): string {
    const path = join(this.dir.path, name);
    writeFileSync(path, source);
    return path;
  }

  /** A fresh file name with the module kind's extension. */
  fresh(stem: string, kind: ModuleKind): string {
    counter += 1;
    return `${stem}-${counter}.${kind === 'cjs' ? 'cjs' : 'mjs'}`;
  }

  /** Writes and loads a module (require for .cjs, import for .mjs). */
  async load(name: string, source: string): Promise<{ path: string; module: AnyModule }> {
    const path = this.write(name, source);
    const module: unknown = name.endsWith('.mjs') ? await import(pathToFileURL(path).href) : this.require(path);
    return { path, module };
  }

  cleanup(): void {
    this.dir.cleanup();
  }
}

/** Applies `[from, to]` replacements, each of which must match. */
export function edit(source: string, edits: ReadonlyArray<readonly [string, string]>): string {
  let next = source;
  for (const [from, to] of edits) {
    if (!next.includes(from)) throw new Error(`edit: ${JSON.stringify(from)} not found`);
    next = next.replace(from, to);
  }
  return next;
}

export function patchOf(version: string, files: ReadonlyArray<{ file: string; running: string; next: string }>, extra: Partial<Patch> = {}): Patch {
  return { version, files: files.map((f) => ({ file: f.file, baseHash: sha256(f.running), source: f.next })), ...extra };
}

/**
 * A planner that lets everything through: the whole new source, every function whose text changed
 * listed. It stands for a planner that missed a silent-failure case, to show what verification
 * catches. Never in src/.
 */
export const naivePlanner: PlanFile = ({ file, runningSource, newSource, sourceType }) => {
  const before = new Set(functionTexts(runningSource, sourceType).map((f) => f.text));
  const functions: PlannedFunction[] = functionTexts(newSource, sourceType)
    .filter((f) => !before.has(f.text))
    .map((f) => ({ name: f.name, kind: 'function', location: { line: 1, column: 0 } }));
  const whole = { runningStart: 0, runningEnd: runningSource.length, nextStart: 0, nextEnd: newSource.length, patchedStart: 0, patchedEnd: newSource.length };
  return { file, patchedSource: newSource, functions, edits: [whole], refusals: [], ignored: [], helpers: [] };
};

/** A logger that keeps what it is told, so that expected failures do not fill the test output. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

export const quiet = recordingLogger();

/** The engine as users get it (the real planner), logging quietly. */
export function createEngine(options: HotfixEngineOptions = {}): HotfixEngine {
  return createHotfixEngine({ logger: quiet, ...options });
}

/** Closes an engine after a test, bounded: close() waits for the operation under way. */
export function closeEngine(engine: HotfixEngine): Promise<void> {
  return withTimeout(engine.close(), WAIT_MS, 'the hotfix engine to close (it waits for the operation under way)');
}

/**
 * A module directory and an engine for the suite it is called in: made before its first test,
 * closed and removed after its last.
 */
export function useWorkspace(options: HotfixEngineOptions = {}): { readonly dir: ModuleDir; readonly engine: HotfixEngine } {
  let dir: ModuleDir | undefined;
  let engine: HotfixEngine | undefined;
  before(() => {
    dir = new ModuleDir();
    engine = createEngine(options);
  });
  after(async () => {
    if (engine !== undefined) await closeEngine(engine);
    dir?.cleanup();
  });
  return {
    get dir() {
      return dir as ModuleDir;
    },
    get engine() {
      return engine as HotfixEngine;
    },
  };
}

/** A promise with its resolve exposed, for keeping an async function suspended at an await. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}
