/**
 * Save → new code answering, in development: `hotswap dev` (a plugin edit; an app function edit)
 * against the tools that restart the app on every save (`node --watch`, `tsx watch`, nodemon) and
 * those that reload code in place (hot-hook, dynohot, `bun --hot`, `deno --watch-hmr`: see
 * lib/compare/dev-tools.ts), on the same small TypeScript app.
 *
 *   node dist/bench/compare-dev.js [--saves 50] [--module-kb 0] [--edit function|constant] [--only <part of a row's name>]
 *
 * `--edit constant` makes every tool's saves edit a module-level constant instead of a function
 * body: top-level code, which only re-running the module applies (hotswap dev restarts for it).
 *
 * For each setup: a temporary app (an HTTP server counting its requests, a plugin, a module of
 * functions) is started; a client asks it every 5 ms the whole time (light load); each save writes
 * a new function body whose answer names the save, and the time from the write to the first answer
 * that names it is recorded. The table gives p50, p90 and max of that time, the requests that
 * failed, whether the request counter survived the saves (state kept), and the app's heap growth
 * over the saves (heapUsed after a full collection: every runtime is started with gc exposed).
 * `node --watch` and nodemon run the app through hotswap's TypeScript loader, so they differ from
 * `hotswap dev` only in what a save does. Each run asks the system for free ports: a fixed one could
 * be held by another run (of this bench, from another checkout) or a process left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { reloadingTools, type Setup } from './lib/compare/dev-tools.js';
import { freePort, REPO } from './lib/compare/workspace.js';
import { printTable } from './lib/report.js';
import { quantile } from './lib/stats.js';

const { values } = parseArgs({
  options: { saves: { type: 'string', default: '50' }, 'module-kb': { type: 'string', default: '0' }, edit: { type: 'string', default: 'function' }, only: { type: 'string' } },
});
if (values.edit !== 'function' && values.edit !== 'constant') throw new Error(`--edit is function or constant, not ${values.edit}`);
/** Whether each save edits a function body (patchable in place) or a module-level constant (top-level code). */
const EDIT: 'function' | 'constant' = values.edit;
const SAVES = Number(values.saves);
/** The size of a module of filler functions lib.ts imports (a realistic module's weight), 0 for none. */
const MODULE_KB = Number(values['module-kb']);

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const REGISTER = new URL('../src/typescript/register.js', import.meta.url).href;
const INDEX = JSON.stringify(new URL('../src/index.js', import.meta.url).href);

const APP = `
import http from 'node:http';
import { PluginManager } from ${INDEX};
import { answer } from './lib.js';
let hits = 0;
const manager = new PluginManager({ pluginDir: process.env.HOTSWAP_PLUGIN_DIR ?? '.hotswap/plugins', logger: { debug() {}, info() {}, warn() {}, error() {} } });
// No top-level await: tsx runs a .ts file without "type": "module" as CommonJS.
void manager.load().then((loaded) => {
  if (!loaded.ok) throw loaded.error;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
});
const server = http.createServer((req, res) => {
  hits++;
  if (req.url === '/heap') { globalThis.gc?.(); return res.end(String(process.memoryUsage().heapUsed)); }
  res.end(hits + ' ' + answer() + ' ' + manager.invoke('greeter', 'greet'));
});
process.on('SIGTERM', () => { server.close(); void manager.close(); process.exit(0); });
`;
/** About MODULE_KB kB of functions in lib.ts itself: the module a save re-plans (hotswap) or re-evaluates (a restart). */
const bigBody = Array.from({ length: Math.ceil((MODULE_KB * 1024) / 140) }, (_, i) => `export function filler${i + 1}(value: number): number {\n  const doubled = value * 2 + ${i};\n  return doubled > 100 ? doubled - 100 : doubled + ${i % 7};\n}\n`).join('');
const lib = (tag: string): string => `export function answer(): string {\n  return 'app-${tag}';\n}\n${bigBody}`;
/** The same answer from a module-level constant: an edit of top-level code, which no tool can patch. */
const libWithConstant = (tag: string): string => `const TAG = 'app-${tag}';\nexport function answer(): string {\n  return TAG;\n}\n${bigBody}`;
const plugin = (tag: string): string =>
  `import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({ functions: { greet: () => 'plugin-${tag}' } });\n`;

const saveLib: Setup['save'] = (tag) => ({ file: 'lib.ts', text: EDIT === 'function' ? lib(tag) : libWithConstant(tag) });
/** hotswap dev prints `app started` once it can patch the app, which may come before or after the app's `listening`: both are awaited. */
const HOTSWAP_READY = [/\bstarted\b/, /\blistening\b/];
const setups: Setup[] = ([
  { name: 'hotswap dev, plugin edit', command: [CLI, 'dev', 'app.ts', '--plugins', 'plugins/greeter'], ready: HOTSWAP_READY, save: (tag) => ({ file: 'plugins/greeter/index.ts', text: plugin(tag) }) },
  { name: 'hotswap dev, app function edit', command: [CLI, 'dev', 'app.ts', '--plugins', 'plugins/greeter'], ready: HOTSWAP_READY, save: saveLib },
  { name: 'node --watch (restart), app function edit', command: ['--watch', '--import', REGISTER, 'app.ts'], save: saveLib },
  { name: 'tsx watch (restart), app function edit', command: [bin('tsx'), 'watch', 'app.ts'], save: saveLib },
  // SIGTERM, which the app handles: with nodemon's default SIGUSR2 the new app raced the old for the port.
  // `exec`: nodemon runs --exec through `sh -c` and restarts as soon as that shell has exited, which on a
  // SIGTERM is at once, while the app it started may still hold the port: the new app then failed with
  // EADDRINUSE. With the shell replaced by the app, nodemon's child is the app and the restart waits for it.
  // --watch: only the app's own sources, not the plugin's or anything a tool writes in the directory.
  { name: 'nodemon (restart), app function edit', command: [bin('nodemon'), '--quiet', '--signal', 'SIGTERM', '-e', 'ts', '--watch', 'app.ts', '--watch', 'lib.ts', '--exec', `exec ${process.execPath} --import ${REGISTER}`, 'app.ts'], save: saveLib },
  ...reloadingTools({ app: APP, saveLib }),
] as Setup[])
  // With --edit constant, every row edits the constant (its name says so), and a plugin edit has no constant to edit.
  .filter((setup) => EDIT === 'function' || !setup.name.includes('plugin edit'))
  .map((setup) => (EDIT === 'function' ? setup : { ...setup, name: setup.name.replace('app function edit', 'module-constant edit') }))
  .filter((setup) => values.only === undefined || setup.name.includes(values.only));

interface Result {
  readonly times: number[];
  readonly failed: number;
  readonly stateKept: boolean;
  readonly heapGrowth: number;
}

/** The end of a tool's output kept for error messages: a chatty tool over 500 saves would otherwise fill the bench's memory. */
const OUTPUT_KEPT = 64 * 1024;
/** How long the app may take to start, and a save to answer: limits per step, not on the run, so any number of saves fits. */
const START_LIMIT_MS = 60_000;
const SAVE_LIMIT_MS = 60_000;

/** The JavaScript entry of a devDependency's command (run by this Node). */
function bin(name: 'tsx' | 'nodemon'): string {
  return new URL(`../../node_modules/${name}/${name === 'tsx' ? 'dist/cli.mjs' : 'bin/nodemon.js'}`, import.meta.url).pathname;
}

function ask(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * A started tool's output, of which only the end is kept (OUTPUT_KEPT), and whether each of the
 * patterns it is awaited for was seen: checked on each chunk, so that they count even once their
 * text has left the kept end. Also whether it exited, for a tool that dies to fail its row at once.
 */
class ToolOutput {
  text = '';
  exited: string | undefined;
  readonly #seen = new Set<RegExp>();

  constructor(
    child: ChildProcess,
    readonly patterns: readonly RegExp[],
  ) {
    const add = (chunk: string): void => {
      this.text = (this.text + chunk).slice(-OUTPUT_KEPT);
      for (const pattern of patterns) if (!this.#seen.has(pattern) && pattern.test(this.text)) this.#seen.add(pattern);
    };
    child.stdout?.setEncoding('utf8').on('data', add);
    child.stderr?.setEncoding('utf8').on('data', add);
    // Without a listener, a program that cannot be started (ENOENT, EACCES) would end the bench.
    child.on('error', (error) => void (this.exited = `could not be started: ${error.message}`));
    child.on('exit', (code, signal) => void (this.exited ??= `exited (${signal ?? `code ${code}`})`));
  }

  get ready(): boolean {
    return this.#seen.size === this.patterns.length;
  }
}

async function measure(setup: Setup): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'hotswap-compare-dev-'));
  let child: ChildProcess | undefined;
  let polling = false;
  try {
    const port = await freePort();
    const files: Record<string, string> = { 'app.ts': APP, 'lib.ts': saveLib('0').text, 'plugins/greeter/index.ts': plugin('0'), ...setup.files };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    if (setup.nodeModules === true) symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    if (!setup.name.startsWith('hotswap')) {
      // node --watch has no plugin builder: the plugin is built once, where the app looks for it.
      const build = spawn(process.execPath, [CLI, 'build', 'plugins/greeter', '.hotswap/plugins'], { cwd: dir, stdio: 'ignore' });
      await new Promise((resolve) => build.once('exit', resolve));
    }
    const program = setup.program === undefined ? process.execPath : await setup.program();
    // gc exposed everywhere (Bun and Deno take it as a flag in their commands): the app's /heap collects first.
    const nodeOptions = [process.env['NODE_OPTIONS'], '--expose-gc'].filter((option) => option !== undefined && option !== '').join(' ');
    const env = { ...process.env, PORT: String(port), HOTSWAP_RUNTIME_DIR: join(dir, '.runtime'), NODE_OPTIONS: nodeOptions, ...setup.env };
    child = spawn(program, setup.command as string[], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const output = new ToolOutput(child, setup.ready ?? [/\blistening\b/]);
    const startedBy = performance.now() + START_LIMIT_MS;
    while (!output.ready) {
      if (output.exited !== undefined) throw new Error(`${setup.name} ${output.exited} before it started: ${output.text}`);
      if (performance.now() > startedBy) throw new Error(`${setup.name} did not start: ${output.text}`);
      await delay(20);
    }
    await ask(port);
    const heapBefore = Number(await ask(port, '/heap'));
    // Light load: one request every 5 ms, the whole time.
    let failed = 0;
    let last = '';
    polling = true;
    const poller = (async () => {
      while (polling) {
        await ask(port).then((body) => void (last = body), () => void failed++);
        await delay(5);
      }
    })();
    const times: number[] = [];
    let counterResets = 0;
    for (let i = 1; i <= SAVES; i++) {
      const tag = String(i);
      const { file, text } = setup.save(tag);
      const hitsBefore = Number(last.split(' ')[0]);
      const savedAt = performance.now();
      writeFileSync(join(dir, file), text);
      const want = file === 'lib.ts' ? `app-${tag}` : `plugin-${tag}`;
      while (!last.includes(want)) {
        const problem = output.exited ?? (performance.now() - savedAt > SAVE_LIMIT_MS ? `never answered within ${SAVE_LIMIT_MS / 1000} s` : undefined);
        if (problem !== undefined) throw new Error(`${setup.name}: save ${i}: ${problem}; last answer ${last}; output ${output.text.slice(-500)}`);
        await delay(1);
      }
      times.push(performance.now() - savedAt);
      // A restart starts the counter again: the first answer of the new code counts fewer requests.
      if (Number(last.split(' ')[0]) <= hitsBefore) counterResets++;
      // Editors do not save every few milliseconds: leave the tool's watcher throttle behind.
      await delay(100);
    }
    polling = false;
    await poller;
    const heapAfter = Number(await ask(port, '/heap'));
    return { times, failed, stateKept: counterResets === 0, heapGrowth: heapAfter - heapBefore };
  } finally {
    // Also when a save failed: the poller would otherwise keep the bench running.
    polling = false;
    try {
      if (child?.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[][] = [];
const p50s = new Map<string, number>();
const failures: string[] = [];
for (const setup of setups) {
  let result: Result;
  try {
    result = await measure(setup);
  } catch (error) {
    // A tool that fails on the way is reported as such; the others are still measured.
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${setup.name}: ${message.slice(0, 300)}`);
    rows.push([setup.name, '-', '-', '-', '-', '-', 'failed (below)']);
    continue;
  }
  p50s.set(setup.name, quantile(result.times, 0.5));
  rows.push([
    setup.name,
    quantile(result.times, 0.5).toFixed(0),
    quantile(result.times, 0.9).toFixed(0),
    Math.max(...result.times).toFixed(0),
    String(result.failed),
    result.stateKept ? 'kept' : 'lost',
    `${(result.heapGrowth / 1e6).toFixed(1)} MB`,
  ]);
}
const restart = [...p50s].find(([name]) => name.startsWith('node --watch'))?.[1];
printTable(
  `compare-dev: save → new code answering, ${SAVES} saves each (${EDIT === 'function' ? 'a function body' : 'a module-level constant'} edited), lib.ts of ${MODULE_KB > 0 ? `${MODULE_KB} kB` : 'a few lines'}, a request every 5 ms`,
  [
    "failed: requests refused or reset while the saves were applied; state: whether the request counter went on across the saves; heap growth: the app's heapUsed (after a full collection) after the saves minus before",
    ...setups.flatMap((setup) => (setup.note === undefined ? [] : [setup.note])),
  ],
  ['setup', 'p50 ms', 'p90 ms', 'max ms', 'failed requests', 'state', 'heap growth'],
  rows,
);
for (const failure of failures) console.log(`\nfailed: ${failure}`);
for (const [name, p50] of p50s) console.log(`${name}: p50 ${p50.toFixed(0)} ms${restart === undefined ? '' : ` (${(restart / p50).toFixed(1)}x quicker than node --watch)`}`);
