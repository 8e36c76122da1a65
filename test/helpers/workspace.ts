/**
 * A throwaway workspace for runtime tests: plugin sources under src/, built for real with the
 * builder into out/, which is the manager's pluginDir.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { buildPlugins } from '../../src/build/index.js';
import type { Manifest } from '../../src/artifact/manifest.js';
import type { Logger } from '../../src/logger.js';
import type { PluginManager } from '../../src/runtime/manager.js';
import { makeTempDir, writePlugin } from './build-fixture.js';

export class Workspace {
  readonly root: string;
  readonly srcDir: string;
  readonly outDir: string;

  private constructor(root: string) {
    this.root = root;
    this.srcDir = join(root, 'src');
    this.outDir = join(root, 'out');
  }

  static async create(): Promise<Workspace> {
    const ws = new Workspace(makeTempDir().path);
    await mkdir(ws.srcDir, { recursive: true });
    await mkdir(ws.outDir, { recursive: true });
    return ws;
  }

  /** Writes a plugin's files (paths relative to its directory; a bare string is its index.ts). */
  write(plugin: string, files: string | Record<string, string>): Promise<string> {
    return Promise.resolve(writePlugin(this.srcDir, plugin, typeof files === 'string' ? { 'index.ts': files } : files));
  }

  /** Builds plugins for real into out/. */
  async build(plugins: readonly string[], version?: string): Promise<Manifest[]> {
    const results = await buildPlugins({
      pluginDirs: plugins.map((p) => join(this.srcDir, p)),
      outDir: this.outDir,
      version,
    });
    return results.map((r) => r.manifest);
  }

  /** Writes and builds one plugin in one step. */
  async plugin(name: string, source: string | Record<string, string>, version?: string): Promise<Manifest> {
    await this.write(name, source);
    const [manifest] = await this.build([name], version);
    if (manifest === undefined) throw new Error('no manifest built');
    return manifest;
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A promise with its resolve/reject exposed, for making a call stay in flight. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A logger that records what it was told, for assertions on warnings. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

/** Events plugins record through `globalThis.__events`, shared by plugin code and the test. */
export function pluginEvents(): string[] {
  const g = globalThis as { __events?: string[] };
  g.__events = [];
  return g.__events;
}

let gcFunction: (() => void) | undefined;
/** `global.gc` without needing --expose-gc on the test runner's command line. */
export function forceGc(): void {
  if (gcFunction === undefined) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

/** Runs full GCs, letting FinalizationRegistry callbacks run between them, until `done()` or the bound. */
export async function collectUntil(done: () => boolean, rounds = 20): Promise<boolean> {
  for (let i = 0; i < rounds && !done(); i++) {
    forceGc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done();
}

/** The workspace of the running test, and the manager the test made in it. */
export interface WorkspaceFixture {
  readonly ws: Workspace;
  /** Set it to the manager the test makes: it is closed after the test. */
  manager: PluginManager | undefined;
}

/**
 * Registers, in the enclosing describe, a fresh Workspace before each test and, after each, the
 * close of the manager the test made and the removal of the workspace.
 */
export function workspacePerTest(): WorkspaceFixture {
  let current: Workspace | undefined;
  const fixture: WorkspaceFixture = {
    get ws(): Workspace {
      if (current === undefined) throw new Error('the workspace exists during a test only');
      return current;
    },
    manager: undefined,
  };
  beforeEach(async () => {
    current = await Workspace.create();
  });
  afterEach(async () => {
    await fixture.manager?.close();
    fixture.manager = undefined;
    await current?.dispose();
    current = undefined;
  });
  return fixture;
}
