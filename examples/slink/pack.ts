/**
 * Packing the slink app (main.ts + the statically linked plugins + hotswap itself):
 *
 * - `bundleApp`: ONE CommonJS file, with esbuild's programmatic API. `hotswap` and `hotswap/plugin`
 *   resolve to this repository's compiled files (dist/src) through esbuild's `alias`, so the bundle
 *   needs no node_modules at run time: its only imports are Node built-ins. The source map is
 *   inline, with the sources' text, so a debugger shows (and a stack trace names) the plugins' .ts.
 * - `makeSea`: a Node.js single executable application from that file: a SEA blob
 *   (`node --experimental-sea-config`), a copy of the node binary, the blob injected with postject.
 *
 * - `breakAt`: a breakpoint set in a plugin's .ts file, as a debugger sets it (breakpoint.ts).
 *
 * Used by demo.ts and test/e2e/slink.test.ts.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT } from '../shared/paths.js';
import { run } from '../shared/processes.js';

/** What `hotswap` and `hotswap/plugin` resolve to in the bundle: this repository's compiled package. */
export const HOTSWAP_ALIASES: Readonly<Record<string, string>> = {
  // The longer key first; esbuild matches the whole specifier before treating `hotswap` as a prefix.
  'hotswap/plugin': join(REPO_ROOT, 'dist', 'src', 'plugin', 'index.js'),
  hotswap: join(REPO_ROOT, 'dist', 'src', 'index.js'),
};

export interface Bundle {
  readonly file: string;
  readonly bytes: number;
  /** Every import left in the bundle (esbuild's metafile): only Node built-ins are expected. */
  readonly externals: readonly string[];
  /** The plugin sources that went into it. */
  readonly pluginSources: readonly string[];
}

/** Bundles `entry` (main.ts) and everything it imports into `outfile`, a CommonJS file. */
export async function bundleApp(entry: string, outfile: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    // CommonJS: what a single executable application runs (and no top-level await in main.ts).
    format: 'cjs',
    target: 'node20',
    alias: HOTSWAP_ALIASES,
    sourcemap: 'inline',
    sourcesContent: true,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = Object.values(result.metafile.outputs);
  const externals = [...new Set(outputs.flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)))].sort();
  const pluginSources = Object.keys(result.metafile.inputs).filter((input) => input.includes('plugins/'));
  return { file: outfile, bytes: outputs.reduce((sum, o) => sum + o.bytes, 0), externals, pluginSources };
}

/** The imports of a bundle that are not Node built-ins (there should be none). */
export function nonBuiltins(bundle: Bundle): string[] {
  return bundle.externals.filter((path) => !isBuiltin(path));
}

/** The first `node_modules` directory Node's resolution could reach from `dir`, if any. */
export function reachableNodeModules(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules');
    if (existsSync(candidate)) return candidate;
    if (dirname(at) === at) return undefined;
  }
}

/** The fuse Node's binary carries for postject (the same in every Node version with SEA). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** postject's command line, from this repository's devDependencies. */
function postjectCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
}

/**
 * Makes a single executable application of `bundle` in its directory, with the node binary running
 * this process (the blob must be made by the same Node version as the binary). Echoes each command
 * through `say`. Linux (and any ELF platform); macOS would also need the binary's signature removed
 * and re-signed, Windows a `.exe` name.
 * @returns the executable's path
 */
export async function makeSea(bundle: string, say: (line: string) => void = () => {}): Promise<string> {
  const dir = dirname(bundle);
  const config = join(dir, 'sea-config.json');
  const blob = join(dir, 'sea-prep.blob');
  const executable = join(dir, basename(bundle).replace(/\.c?js$/, ''));
  await writeFile(config, JSON.stringify({ main: basename(bundle), output: basename(blob), disableExperimentalSEAWarning: true }, null, 2) + '\n');

  const step = async (shownCommand: string, file: string, args: readonly string[]): Promise<void> => {
    say(`$ ${shownCommand}`);
    const result = await run(file, args, dir);
    if (result.code !== 0) throw new Error(`${shownCommand} exited ${result.code}:\n${result.stdout}${result.stderr}`);
  };
  await step('node --experimental-sea-config sea-config.json', process.execPath, ['--experimental-sea-config', basename(config)]);
  say(`$ cp ${process.execPath} ${basename(executable)}`);
  await copyFile(process.execPath, executable);
  await step(`npx postject ${basename(executable)} NODE_SEA_BLOB ${basename(blob)} --sentinel-fuse ${SEA_FUSE}`, process.execPath, [
    postjectCli(),
    basename(executable),
    'NODE_SEA_BLOB',
    basename(blob),
    '--sentinel-fuse',
    SEA_FUSE,
  ]);
  return executable;
}

export interface BreakpointHit {
  readonly paused: boolean;
  readonly functionName?: string;
  /** The paused location in the bundle (1-based line). */
  readonly generatedLine?: number;
  /** The paused location mapped back through the source map. */
  readonly source?: string;
  readonly line?: number;
}

/**
 * Runs `bundle` under the inspector with a breakpoint on `source:line` (a plugin's .ts file), the
 * way a debugger sets it through the source map, and reports where the app paused (breakpoint.ts).
 */
export async function breakAt(bundle: string, source: string, line: number): Promise<BreakpointHit> {
  const script = fileURLToPath(new URL('./breakpoint.js', import.meta.url));
  // Node 20's WebSocket client is behind a flag; later versions have it by default.
  const flags = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function' ? [] : ['--experimental-websocket'];
  const result = await run(process.execPath, [...flags, script, bundle, source, String(line)]);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{')) throw new Error(`breakpoint.js exited ${result.code}:\n${result.stdout}${result.stderr}`);
  return JSON.parse(last) as BreakpointHit;
}
