/**
 * `watchPlugins`: one esbuild context per plugin, in watch mode. Every successful rebuild goes
 * through the same compile-finish and atomic write as `buildPlugins`; a failed one is reported
 * and the previous artifact stays in place. The live names are scanned again on every rebuild
 * (the generated entry is loaded anew each time).
 */
import { resolve } from 'node:path';
import { context, type BuildContext, type Plugin } from 'esbuild';
import { finishCompile } from './compile.js';
import { emitPlugin } from './emit.js';
import { esbuildOptions } from './esbuild-config.js';
import { liveEntry, type LiveEntry } from './live-entry-plugin.js';
import { buildError } from './messages.js';
import type { BuildSettings, PluginWatcher, WatchPluginsOptions } from './options.js';
import { resolvePluginSources, type PluginSource } from './plugin-source.js';
import { resolveSettings } from './settings.js';

/**
 * Builds every plugin, then rebuilds each one whenever a file it bundles changes. Resolves once the
 * first build of every plugin has been reported (through `onBuild` or `onError`).
 * @throws the same validation errors as buildPlugins, before anything is built
 */
export async function watchPlugins(options: WatchPluginsOptions): Promise<PluginWatcher> {
  const settings = await resolveSettings(options);
  const sources = await resolvePluginSources(options.pluginDirs, settings.outDir);
  const contexts: BuildContext[] = [];
  const byDir = new Map<string, BuildContext>();
  /** When the last finished build of each plugin directory started (see PluginWatcher.rebuild). */
  const lastBuildStart = new Map<string, number>();
  const firstBuilds: Promise<void>[] = [];
  try {
    for (const source of sources) {
      let firstBuildDone!: () => void;
      firstBuilds.push(new Promise<void>((resolve) => (firstBuildDone = resolve)));
      const entry = liveEntry(source, settings);
      const reporter = reportEveryBuild(source, settings, options, entry, (startedAt) => {
        lastBuildStart.set(resolve(source.dir), startedAt);
        firstBuildDone();
      });
      const ctx = await context(esbuildOptions(source, settings, entry, [reporter]));
      contexts.push(ctx);
      byDir.set(resolve(source.dir), ctx);
    }
    // watch() starts with a full build of its own; onEnd reports it like every rebuild.
    await Promise.all(contexts.map((ctx) => ctx.watch()));
  } catch (error) {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
    throw error;
  }
  await Promise.all(firstBuilds);
  settings.logger.debug(`watching ${sources.map((s) => s.name).join(', ')}`);
  return {
    async rebuild(pluginDir) {
      const dir = resolve(pluginDir);
      const ctx = byDir.get(dir);
      if (ctx === undefined) return undefined;
      // A failed build is reported by the onEnd hook; the rejection says nothing more.
      await ctx.rebuild().catch(() => undefined);
      return lastBuildStart.get(dir);
    },
    async close() {
      await Promise.all(contexts.map((ctx) => ctx.dispose()));
    },
  };
}

function reportEveryBuild(
  source: PluginSource,
  settings: BuildSettings,
  options: WatchPluginsOptions,
  entry: LiveEntry,
  /** Called after each build's report, with when that build started. */
  afterEach: (startedAt: number) => void,
): Plugin {
  return {
    name: 'hotswap-write-on-end',
    setup(build) {
      let startedAt = performance.now();
      build.onStart(() => {
        startedAt = performance.now();
      });
      // esbuild awaits onEnd before starting the next build of this context: writes never overlap.
      build.onEnd(async (result) => {
        try {
          if (result.errors.length > 0) {
            options.onError(buildError(source.name, result.errors));
          } else {
            const compiled = await finishCompile(source, settings, result, entry.liveNames(), startedAt);
            options.onBuild(await emitPlugin(compiled, settings));
          }
        } catch (error) {
          // A failed write (disk full) or a throwing callback must not stop the watcher.
          reportSafely(options, error);
        } finally {
          afterEach(startedAt);
        }
      });
    },
  };
}

function reportSafely(options: WatchPluginsOptions, error: unknown): void {
  try {
    options.onError(error instanceof Error ? error : new Error(String(error)));
  } catch {
    // onError itself threw: nothing sensible is left to report to.
  }
}
