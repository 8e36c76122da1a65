/**
 * The live-name scan of one plugin: the modules it bundles (a quick esbuild pass that writes
 * nothing) plus every other source module in its directory, each transformed to JavaScript and
 * its live exports read. Modules nothing imports count too: a live function is called by name
 * through the vault, so often no module of the plugin imports it. Both the artifact build (through
 * the generated entry, which imports what the scan found) and static linking use it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, relative, resolve, sep } from 'node:path';
import { build, transform, type Loader, type Plugin } from 'esbuild';
import type { LiveNames } from '../artifact/manifest.js';
import { DuplicateLiveNameError } from '../errors.js';
import { PLUGIN_MODULE_SPECIFIER } from './esbuild-config.js';
import { scanModuleExports, type LiveKind } from './live-exports.js';
import type { PluginSource } from './plugin-source.js';

/** esbuild loaders by extension; other inputs (JSON, text) cannot export functions or classes. */
const LOADERS: Readonly<Record<string, Loader>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

export interface LiveBinding {
  readonly name: string;
  readonly kind: LiveKind;
  /** Absolute path of the module that declares it. */
  readonly file: string;
}

export interface PluginLiveScan {
  /** Sorted by name, so generated code (and so the artifact's hash) does not depend on scan order. */
  readonly bindings: readonly LiveBinding[];
  /** Whether the root module has a default export. */
  readonly rootHasDefault: boolean;
  /** Absolute paths of the plugin's own modules that were scanned, the root module first. */
  readonly files: readonly string[];
}

/** A live name and where it is, for duplicate checks and their messages. */
export interface PlacedLiveName {
  readonly name: string;
  /** Free text naming the place, e.g. `plugin alpha (jobs/send.ts)`. */
  readonly where: string;
}

/**
 * Scans one plugin. Rejects with what esbuild threw (a failure carrying located `errors`) when a
 * module does not compile, and with DuplicateLiveNameError when two live names are equal ignoring case.
 * @param onModules told the plugin's modules as soon as they are known, even if the scan then fails
 */
export async function scanPluginLive(
  source: PluginSource,
  prefix: string,
  debug: (message: string) => void,
  onModules: (files: readonly string[]) => void = () => {},
): Promise<PluginLiveScan> {
  const files = await pluginModules(source);
  onModules(files);
  const rootExports = { hasDefault: false };
  const bindings: LiveBinding[] = [];
  const placed: PlacedLiveName[] = [];
  const scanned = await Promise.all(files.map(async (file) => ({ file, exports: await scanFile(file, prefix) })));
  for (const { file, exports } of scanned) {
    if (file === source.rootModule) rootExports.hasDefault = exports.hasDefault;
    const shown = displayPath(source.dir, file);
    for (const name of exports.ignored) {
      debug(`${source.name}: ${shown} exports ${name} but does not declare it as a function or class: not live`);
    }
    for (const { name, kind } of exports.live) {
      bindings.push({ name, kind, file });
      placed.push({ name, where: `plugin ${source.name} (${shown})` });
    }
  }
  refuseDuplicateLiveNames(placed, source.name);
  bindings.sort((a, b) => compareNames(a.name, b.name));
  return { bindings, rootHasDefault: rootExports.hasDefault, files };
}

/** The manifest's `live` field for a scan. */
export function liveNamesOf(prefix: string, scan: PluginLiveScan): LiveNames {
  const named = (kind: LiveKind): string[] => scan.bindings.filter((b) => b.kind === kind).map((b) => b.name);
  return { prefix, functions: named('function'), types: named('type') };
}

/** Throws DuplicateLiveNameError for the first name equal to an earlier one ignoring case. */
export function refuseDuplicateLiveNames(names: Iterable<PlacedLiveName>, plugin?: string): void {
  const seen = new Map<string, PlacedLiveName>();
  for (const current of names) {
    const first = seen.get(current.name.toLowerCase());
    if (first === undefined) {
      seen.set(current.name.toLowerCase(), current);
      continue;
    }
    // Both spellings appear in the message when they differ (`live_send` and `LIVE_SEND`).
    const second = current.name === first.name ? current.where : `${current.where} as ${current.name}`;
    throw new DuplicateLiveNameError(first.name, first.where, second, { plugin });
  }
}

/** Code-unit order: the same on every machine, whatever its locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A path relative to the plugin directory with `/` separators, for messages. */
export function displayPath(pluginDir: string, file: string): string {
  return relative(pluginDir, file).split(sep).join('/');
}

/** The import of `hotswap/plugin` stays out of the scan: it is hotswap's code, not the plugin's. */
const leaveOutPluginModule: Plugin = {
  name: 'hotswap-scan-plugin-module',
  setup(build) {
    build.onResolve({ filter: /^hotswap\/plugin$/ }, () => ({ path: PLUGIN_MODULE_SPECIFIER, external: true }));
  },
};

/** The plugin's own modules the bundle would contain: npm packages (and node_modules) left out. */
async function pluginModules(source: PluginSource): Promise<string[]> {
  const result = await build({
    entryPoints: [source.rootModule],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
    plugins: [leaveOutPluginModule],
  });
  const files: string[] = [];
  for (const input of Object.keys(result.metafile.inputs)) {
    // Inputs of other namespaces are written `namespace:path`; a Windows drive letter is not one.
    if (/^[a-z][\w+.-]+:/i.test(input)) continue;
    // Metafile paths are relative to esbuild's working directory, which defaults to ours.
    const file = resolve(input);
    if (LOADERS[extname(file)] === undefined || file.split(sep).includes('node_modules')) continue;
    files.push(file);
  }
  for (const file of await directoryModules(source.dir)) if (!files.includes(file)) files.push(file);
  const rest = files.filter((f) => f !== source.rootModule).sort((a, b) => compareNames(a, b));
  return files.includes(source.rootModule) ? [source.rootModule, ...rest] : rest;
}

/** Not plugin code: declarations, tests, and anything under node_modules or a dot-directory. */
const NOT_PLUGIN_CODE = /(\.d\.[cm]?ts|\.(test|spec)\.[cm]?[jt]sx?)$/;

/** Every source module under the plugin directory, whether the root reaches it or not. */
async function directoryModules(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, encoding: 'utf8' });
  return entries
    .filter((entry) => {
      const parts = entry.split(sep);
      if (parts.some((part) => part === 'node_modules' || part.startsWith('.'))) return false;
      return LOADERS[extname(entry)] !== undefined && !NOT_PLUGIN_CODE.test(entry);
    })
    .map((entry) => resolve(dir, entry));
}

async function scanFile(file: string, prefix: string): Promise<ReturnType<typeof scanModuleExports>> {
  const text = await readFile(file, 'utf8');
  const { code } = await transform(text, {
    loader: LOADERS[extname(file)] ?? 'js',
    format: 'esm',
    // Lowered like the bundle is, so the parser never meets syntax newer than it knows (decorators).
    target: 'node20',
    sourcefile: relative(process.cwd(), file),
    logLevel: 'silent',
  });
  try {
    return scanModuleExports(code, prefix);
  } catch (error) {
    // esbuild's own output failing to parse is a bug here or in a parser, not in the plugin.
    throw new Error(`hotswap: cannot read the exports of ${file} after esbuild's transform: ${String(error)}`, {
      cause: error,
    });
  }
}
