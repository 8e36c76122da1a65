/**
 * `hotswap dev`: builds the plugins (esbuild watch contexts) and runs the app; then, on every save,
 * - in a plugin directory: the plugin is rebuilt and reloaded (the build error, or the refused
 *   reload, is printed and the previous version keeps serving);
 * - of the app's own files: the saves that arrive together are patched in place as one patch, or,
 *   when the planner refuses, the app is restarted with the reason and its place printed (with
 *   `restart: false`, only printed).
 * Saves are handled one batch at a time, in order.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watch, type FSWatcher } from 'chokidar';
import { watchPlugins } from '../build/index.js';
import type { PluginWatcher } from '../build/options.js';
import { describe, isHotswapError } from '../errors.js';
import { sha256 } from '../hotfix/source.js';
import { AppProcess } from './app-process.js';
import { APP_CALL_TIMEOUT_MS, applyBatch } from './app-changes.js';
import { createReporter, type DevEvent, type Reporter } from './reporter.js';

export interface DevOptions {
  /** The app's entry file (.ts or .js). */
  readonly entry: string;
  readonly args: readonly string[];
  /** Plugin directories to build into `outDir` and reload on save. */
  readonly pluginDirs: readonly string[];
  /** Where plugins are built; the app finds it as `HOTSWAP_PLUGIN_DIR`. */
  readonly outDir: string;
  /** Restart the app when a change cannot be applied live. @default true */
  readonly restart: boolean;
  readonly json: boolean;
  /** The directory whose files are watched (the app's own code). @default process.cwd() */
  readonly root: string;
  /** @default a reporter on stderr (or JSON lines on stdout) */
  readonly reporter?: Reporter;
}

export interface DevSession {
  /** Stops watching and stops the app. */
  close(): Promise<void>;
}

/**
 * Saves closer together than this are one batch (an editor saving several files, a checkout). Not
 * shorter than the watcher's 50 ms throttle: a batch is looked at again once the throttle of its
 * last save is over, so a save the watcher dropped is still seen.
 */
export const BATCH_MS = 50;
/** A saved plugin file is built this long after its last save: long enough for the write to be whole. */
export const PLUGIN_SETTLE_MS = 20;
const SOURCE_FILE = /\.(m|c)?(t|j)sx?$/;

export async function startDev(options: DevOptions): Promise<DevSession> {
  const reporter = options.reporter ?? createReporter({ json: options.json });
  const root = resolve(options.root);
  const outDir = resolve(options.outDir);
  const pluginDirs = options.pluginDirs.map((dir) => resolve(dir));
  const started = performance.now();
  const inside = (file: string, dir: string): boolean => file === dir || file.startsWith(dir + sep);
  /** When a file of each plugin directory was last saved, for "save → live". */
  const lastSave = new Map<string, number>();
  let appReady = false;
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>): void => {
    queue = queue.then(work).catch((error: unknown) => reporter.report({ event: 'not-applied', reason: describe(error) }));
  };

  const app = new AppProcess({
    entry: options.entry,
    args: options.args,
    env: { ...process.env, HOTSWAP_PLUGIN_DIR: outDir, HOTSWAP_DEV: '1' },
    stdoutToStderr: options.json,
    onExit: (code, signal) => reporter.report({ event: 'app-exited', code, signal }),
  });

  /** Starts the app; one that exits while starting is reported (app-exited) and started again at the next save. */
  const start = async (): Promise<boolean> => {
    try {
      await app.start();
      return true;
    } catch (error) {
      if (app.pid !== undefined) reporter.report({ event: 'not-applied', reason: `the app did not start: ${describe(error)}` });
      return false;
    }
  };
  const restart = async (reason: string): Promise<void> => {
    const t0 = performance.now();
    await app.stop();
    if (await start()) reporter.report({ event: 'restarted', reason, pid: app.pid ?? 0, ms: performance.now() - t0 });
  };

  let plugins: PluginWatcher | undefined;
  if (pluginDirs.length > 0) {
    plugins = await watchPlugins({
      pluginDirs,
      outDir,
      onBuild: (result) => {
        if (!appReady) return; // The first builds are loaded by the app itself.
        const dir = pluginDirs.find((d) => basename(d) === result.manifest.name) ?? '';
        const savedAt = lastSave.get(dir);
        enqueue(async () => reloadPlugin(app, reporter, result.manifest.name, result.manifest.version, savedAt));
      },
      onError: (error) => reporter.report({ event: 'build-error', plugin: isHotswapError(error) ? (error.plugin ?? '?') : '?', message: error.message }),
    });
  }

  await start();
  appReady = true;

  /** Patch versions: unique over the session, across restarts. */
  let patches = 0;
  let pending = new Set<string>();
  let batchStartedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    const files = [...pending].sort();
    const savedAt = batchStartedAt;
    pending = new Set();
    timer = undefined;
    const version = `dev-${++patches}`;
    enqueue(async () => {
      if (app.control === undefined) {
        await restart('the app was not running');
        return;
      }
      const result = await applyBatch(app.control, files, savedAt, version, root);
      for (const event of result.events) reporter.report(event);
      if (result.kind === 'restart') {
        if (options.restart) await restart(result.reason);
        else reporter.report({ event: 'not-applied', reason: result.reason });
      }
      // The watcher reports at most one change of a file per 50 ms and drops the others (chokidar's
      // throttle): a file saved again meanwhile is taken up here, by its content.
      for (const [file, hash] of result.read) {
        const now = await readFile(file, 'utf8').then(sha256, () => hash);
        if (now !== hash) onSave(file);
      }
    });
  };
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    // Dependencies, and dot directories (.git, the plugin output under .hotswap, runtime files).
    ignored: (path) => /[/\\](node_modules|\.[^/\\]+)([/\\]|$)/.test(resolve(path).slice(root.length)) || inside(resolve(path), outDir),
  });
  const pluginTimers = new Map<string, NodeJS.Timeout>();
  const rebuildPlugin = async (plugin: string): Promise<void> => {
    const calledAt = performance.now();
    // The build it got may be one esbuild's own watch had started before the last save (a
    // rebuild joins a running build): then that save may be missing from it.
    const builtFrom = (await plugins?.rebuild(plugin)) ?? calledAt;
    // Saved again since that build started (the watcher drops saves within its throttle): build again.
    if ((lastSave.get(plugin) ?? 0) > Math.min(builtFrom, calledAt)) await rebuildPlugin(plugin);
  };
  const onSave = (path: string): void => {
    const file = resolve(path);
    if (!SOURCE_FILE.test(file)) return;
    const now = performance.now();
    const plugin = pluginDirs.find((dir) => inside(file, dir));
    if (plugin !== undefined) {
      lastSave.set(plugin, now);
      // Rebuilt here, once the saves settle (a save seen half-written would build the half):
      // esbuild's own watch, which also sees files outside the directory, polls.
      clearTimeout(pluginTimers.get(plugin));
      pluginTimers.set(plugin, setTimeout(() => void rebuildPlugin(plugin), PLUGIN_SETTLE_MS));
      return;
    }
    if (pending.size === 0) batchStartedAt = now;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(flush, BATCH_MS);
  };
  watcher.on('change', onSave).on('add', onSave);
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  // Said once saves are watched: a save after this line is seen.
  reporter.report({ event: 'started', pid: app.pid ?? 0, plugins: pluginDirs.map((d) => basename(d)), ms: performance.now() - started });

  return {
    async close() {
      clearTimeout(timer);
      for (const pluginTimer of pluginTimers.values()) clearTimeout(pluginTimer);
      await watcher.close();
      await plugins?.close();
      await queue;
      await app.stop();
    },
  };
}

async function reloadPlugin(app: AppProcess, reporter: Reporter, plugin: string, version: string, savedAt: number | undefined): Promise<void> {
  const control = app.control;
  if (control === undefined) return;
  const outcome = (await control.call('reload', {}, APP_CALL_TIMEOUT_MS)) as {
    ok: boolean;
    changed?: boolean;
    durationMs: number;
    stage?: string;
    plugin?: string;
    error?: { code?: string; message: string };
  };
  let event: DevEvent;
  if (outcome.ok) {
    if (outcome.changed === false) return;
    event = { event: 'reloaded', plugin, version, reloadMs: outcome.durationMs, saveToLiveMs: savedAt === undefined ? undefined : performance.now() - savedAt };
  } else {
    event = { event: 'reload-failed', code: outcome.error?.code ?? '?', stage: outcome.stage ?? '?', plugin: outcome.plugin, message: outcome.error?.message ?? '' };
  }
  reporter.report(event);
}
