/**
 * The esbuild plugin that supplies the generated entry (see live-entry.ts). The scan runs when
 * esbuild loads the entry, which it does on every build and on every rebuild of a watch context,
 * so live names added or removed while watching are picked up without recreating the context.
 */
import { resolve } from 'node:path';
import type { Message, OnLoadResult, PartialMessage, Plugin } from 'esbuild';
import type { LiveNames } from '../artifact/manifest.js';
import { describe } from '../errors.js';
import { liveEntryPath, liveEntrySource } from './live-entry.js';
import { liveNamesOf, scanPluginLive } from './live-scan.js';
import type { BuildSettings } from './options.js';
import type { PluginSource } from './plugin-source.js';

const NAMESPACE = 'hotswap-live-entry';

export interface LiveEntry {
  /** What to give esbuild as the entry point. */
  readonly specifier: string;
  readonly plugin: Plugin;
  /** The live names of the entry esbuild loaded last; undefined until a scan succeeded. */
  liveNames(): LiveNames | undefined;
}

export function liveEntry(source: PluginSource, settings: BuildSettings): LiveEntry {
  const specifier = `<hotswap-live-entry:${source.name}>`;
  let names: LiveNames | undefined;
  // What a watch context should keep watching after a failed scan: esbuild only watches the files
  // a build read, and a build whose entry failed to load read none of the plugin's modules.
  let lastFiles: readonly string[] = [source.rootModule];
  const plugin: Plugin = {
    name: 'hotswap-live-entry',
    setup(build) {
      build.onResolve({ filter: /^<hotswap-live-entry:/ }, (args) =>
        args.path === specifier ? { path: liveEntryPath(source), namespace: NAMESPACE } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (): Promise<OnLoadResult> => {
        names = undefined;
        try {
          const debug = settings.logger.debug.bind(settings.logger);
          const scan = await scanPluginLive(source, settings.livePrefix, debug, (files) => (lastFiles = files));
          names = liveNamesOf(settings.livePrefix, scan);
          return { contents: liveEntrySource(source, scan), loader: 'ts', resolveDir: source.dir, watchFiles: [...scan.files] };
        } catch (error) {
          return { errors: scanErrors(error), watchFiles: [...new Set([...lastFiles, ...locatedFiles(error)])] };
        }
      });
    },
  };
  return { specifier, plugin, liveNames: () => names };
}

/**
 * The scan's failure as the messages of this build: esbuild's own located errors pass through as
 * they are (so `file:line:col` is the same as without the scan); anything else travels as `detail`,
 * where buildFailed() finds a HotswapError (a duplicate live name) to throw as it is.
 */
function scanErrors(error: unknown): PartialMessage[] {
  const located = (error as { errors?: unknown }).errors;
  if (Array.isArray(located) && located.length > 0) return located as Message[];
  return [{ text: describe(error), detail: error }];
}

function locatedFiles(error: unknown): string[] {
  const located = (error as { errors?: Message[] }).errors;
  if (!Array.isArray(located)) return [];
  // Message paths are relative to esbuild's working directory; watchFiles must be absolute.
  return located.flatMap((m) => (m.location?.file ? [resolve(m.location.file)] : []));
}
