/**
 * compare-dev's rows for the other tools that apply a save without restarting the app: hot-hook,
 * dynohot, Bun's `--hot` and Deno's `--watch-hmr`. Each row makes the same saves as the others (a
 * new body for lib.ts's answer()) and runs the shared app (compare-dev.ts APP) as it is where the
 * tool allows, else the variant the tool's documentation asks for, written here as edits of the
 * shared app so that what differs is named.
 *
 * Bun and Deno are not devDependencies: their npm packages are about 100 MB each and made for one
 * platform (`npm ci` on macOS fails with EBADPLATFORM for such a devDependency). A row installs its
 * runtime at the version pinned below into node_modules/.cache/ the first time it runs; a row that
 * cannot (no registry, not linux-x64 with glibc) fails with the reason, like any tool that fails.
 */
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, run } from './workspace.js';

export interface Setup {
  readonly name: string;
  /** The program run, when not this Node; resolved when the row starts (Bun and Deno are installed then). */
  readonly program?: () => Promise<string>;
  /** Its arguments, run in the app's directory. */
  readonly command: readonly string[];
  /** What a save writes: the file, relative to the app's directory, and its text naming `tag`. */
  readonly save: (tag: string) => { file: string; text: string };
  /** What the tool and the app print before the first save (each, in any order); the app's `listening` if not given. */
  readonly ready?: readonly RegExp[];
  /** Files written over the shared app's, relative to its directory (a variant of app.ts, a package.json). */
  readonly files?: Readonly<Record<string, string>>;
  /** Whether the app's directory gets a link to this package's node_modules: the `--import` names the tool needs resolve from there. */
  readonly nodeModules?: boolean;
  /** Environment of the tool, over the bench's. */
  readonly env?: Readonly<Record<string, string>>;
  /** How the row differs from the others, a line under the table. */
  readonly note?: string;
}

/** What every row here shares with compare-dev.ts: the app and the save of lib.ts. */
export interface Shared {
  readonly app: string;
  readonly saveLib: Setup['save'];
}

/** hotswap's own modules, which the shared app imports by URL (compiled: dist/bench/lib/compare/ → dist/src/). */
const HOTSWAP_SRC = new URL('../../../src/', import.meta.url).href;

/** `text` with `from` replaced by `to`; throws when `from` is not there, so that a change of the shared app cannot leave a variant silently behind. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the shared app no longer contains ${JSON.stringify(from)}: update the variant in dev-tools.ts`);
  return text.replace(from, to);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * hot-hook reloads only modules reached through a "boundary": a dynamic import with
 * `import.meta.hot?.boundary`, imported again where the new version is wanted. Its README's HTTP
 * example imports the handler in each request; this variant does the same with lib.js, so the
 * request handler becomes async and lib.js is no longer imported at the top. Nothing else differs.
 */
export function hotHookApp(app: string): string {
  const noStaticImport = edit(app, "import { answer } from './lib.js';\n", '');
  const asyncHandler = edit(noStaticImport, 'http.createServer((req, res) => {', 'http.createServer(async (req, res) => {');
  return edit(
    asyncHandler,
    "  res.end(hits + ' ' + answer()",
    "  // hot-hook: lib.js through a boundary, imported again on each request (its README's way).\n  const { answer } = await import('./lib.js', import.meta.hot?.boundary);\n  res.end(hits + ' ' + answer()",
  );
}

/**
 * dynohot applies an update without re-running the app only when a module accepts it: the
 * variant adds `import.meta.hot?.accept('./lib.js')` to the shared app. dynohot rewrites imports
 * as live bindings, so the app's `answer` is the new function once the update is accepted.
 */
export function dynohotApp(app: string): string {
  return `${app}// dynohot: lib.js's updates are accepted here; the imported answer() is then the new one.\nimport.meta.hot?.accept('./lib.js');\n`;
}

/**
 * dynohot's registration with one option changed: hotswap's modules are not made reloadable. The
 * shared app imports them by URL from this repository's dist/, which dynohot's default (leave out
 * node_modules) does not cover, and dynohot 1.2.1's transformation throws on one of them (an
 * optional call of a method named like an imported binding: `entry?.plugins.map(...).join(',')`
 * with `join` imported from node:path). Installed as a dependency, hotswap would be in
 * node_modules and left out by the default: this is what an app using dynohot would run.
 */
const DYNOHOT_REGISTER = `import { register } from 'node:module';
register('dynohot/loader', { parentURL: import.meta.url, data: { ignore: new RegExp(${JSON.stringify(`[/\\\\]node_modules[/\\\\]|^${escapeRegExp(HOTSWAP_SRC)}`)}) } });
`;

/** hot-hook's `register` and dynohot need the app to be ES modules, and hot-hook reads its options from the app's package.json. */
const PACKAGE_JSON = `${JSON.stringify({ name: 'compare-dev-app', private: true, type: 'module' }, null, 2)}\n`;

/** A runtime installed from the npm registry on first use. */
interface Runtime {
  readonly name: string;
  readonly packageName: string;
  /** Pinned: a row's figures name one version. */
  readonly version: string;
  /** The binary, relative to the package's directory. */
  readonly binary: string;
}

/** Needs a CPU with AVX2 (else Bun exits on SIGILL at start: the row fails with it); `@oven/bun-linux-x64-baseline` would run without. */
const BUN: Runtime = { name: 'bun', packageName: '@oven/bun-linux-x64', version: '1.4.5', binary: 'bin/bun' };
const DENO: Runtime = { name: 'deno', packageName: '@deno/linux-x64-glibc', version: '2.9.6', binary: 'deno' };

/** Where the runtimes are installed, one directory per name and version. */
const CACHE = join(REPO, 'node_modules', '.cache', 'hotswap-compare-dev');

/** Whether this Node runs on glibc (both packages are linked against it; musl systems would need other packages). */
function onGlibc(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime !== undefined;
}

/** The version of `runtime`'s package installed under `prefix`, if its binary is there too. */
async function installedVersion(prefix: string, runtime: Runtime): Promise<string | undefined> {
  const dir = join(prefix, 'node_modules', ...runtime.packageName.split('/'));
  try {
    await access(join(dir, runtime.binary));
    return (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The lines of a failed `npm install`'s output that say why (its code and message), not where its log is or what a proxy needs. */
function npmReason(output: string): string {
  const lines = output.split('\n').map((line) => line.trim());
  const errors = lines.filter((line) => line.startsWith('npm error') && !/complete log|proxy|npm help/.test(line));
  return (errors.length > 0 ? errors.slice(0, 4) : lines.filter((line) => line !== '').slice(-3)).join(' / ');
}

/**
 * The path of `runtime`'s binary, installed first when it is not in the cache at the pinned
 * version. The install goes to a directory of its own, renamed into place once complete: an
 * interrupted download is never taken for an installed runtime.
 */
async function installed(runtime: Runtime): Promise<string> {
  const spec = `${runtime.packageName}@${runtime.version}`;
  const here = `${process.platform}-${process.arch}`;
  if (here !== 'linux-x64') throw new Error(`${spec} is for linux-x64; this is ${here}`);
  if (!onGlibc()) throw new Error(`${spec} is for Linux with glibc; this one has another C library (musl?)`);
  const prefix = join(CACHE, `${runtime.name}-${runtime.version}`);
  const binary = join(prefix, 'node_modules', ...runtime.packageName.split('/'), runtime.binary);
  if ((await installedVersion(prefix, runtime)) === runtime.version) return binary;
  const partial = `${prefix}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    process.stderr.write(`compare-dev: installing ${spec} into ${CACHE}...\n`);
    try {
      await run('npm', ['install', '--prefix', partial, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', spec], {
        cwd: partial,
        env: process.env,
        timeoutMs: 10 * 60_000,
      });
    } catch (error) {
      throw new Error(`could not install ${spec}: ${npmReason(error instanceof Error ? error.message : String(error))}`, { cause: error });
    }
    if ((await installedVersion(partial, runtime)) !== runtime.version) throw new Error(`npm install ${spec} left no ${runtime.binary}`);
    await rm(prefix, { recursive: true, force: true });
    await rename(partial, prefix);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return binary;
}

/** compare-dev's rows for hot-hook, dynohot, Bun and Deno, in that order. */
export function reloadingTools(shared: Shared): Setup[] {
  return [
    {
      name: 'hot-hook (boundary import), app function edit',
      // hot-hook's README for TypeScript: the TS loader first, then hot-hook's. tsx, not hotswap's
      // loader: its instrumentation (for hotswap's redirection) would be paid by every new module version.
      command: ['--import', 'tsx', '--import', 'hot-hook/register', 'app.ts'],
      files: { 'app.ts': hotHookApp(shared.app), 'package.json': PACKAGE_JSON },
      nodeModules: true,
      save: shared.saveLib,
      note: "hot-hook: `node --import tsx --import hot-hook/register app.ts`; the app imports lib.js in each request as `await import('./lib.js', import.meta.hot?.boundary)` (the only reloadable kind of import)",
    },
    {
      name: 'dynohot (import.meta.hot.accept), app function edit',
      // dynohot's README names @loaderkit/ts for TypeScript; tsx (a devDependency) chains the same way.
      command: ['--import', 'tsx', '--import', './dynohot.js', 'app.ts'],
      files: { 'app.ts': dynohotApp(shared.app), 'package.json': PACKAGE_JSON, 'dynohot.js': DYNOHOT_REGISTER },
      nodeModules: true,
      save: shared.saveLib,
      note: "dynohot: `node --import tsx --import <dynohot's register, hotswap's dist left out> app.ts`; the app adds `import.meta.hot?.accept('./lib.js')`",
    },
    {
      name: 'bun --hot, app function edit',
      program: () => installed(BUN),
      // --no-install: the app's imports resolve from this repository's node_modules, never from a download.
      command: ['--hot', '--no-install', '--expose-gc', 'app.ts'],
      // No crash reports or telemetry from a bench.
      env: { DO_NOT_TRACK: '1' },
      save: shared.saveLib,
      note: `bun --hot (Bun ${BUN.version}): the shared app as it is, PluginManager included; Bun re-runs every module on a save and keeps only globalThis, so the app's counter (a module variable) starts again: its docs keep such state on globalThis`,
    },
    {
      name: 'deno --watch-hmr, app function edit',
      program: () => installed(DENO),
      // --sloppy-imports: the app imports lib.ts as './lib.js' (Node's convention), which Deno resolves only with it.
      command: ['run', '--watch-hmr', '--sloppy-imports', '--allow-all', '--v8-flags=--expose-gc', 'app.ts'],
      // Deno's caches with the runtime rather than in the home directory.
      env: { DENO_DIR: join(CACHE, `deno-${DENO.version}`, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1' },
      save: shared.saveLib,
      note: `deno run --watch-hmr (Deno ${DENO.version}): the shared app as it is, PluginManager included; Deno replaces a changed module's functions through V8's debugger and restarts when it cannot`,
    },
  ];
}
