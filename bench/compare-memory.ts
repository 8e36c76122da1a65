/**
 * Heap kept after many reloads of the same ~1.5 MB module: hotswap against the hot-module-reloading
 * loaders dynohot and hot-hook.
 *
 *   node dist/bench/compare-memory.js [--runs 1] [--loads 50] [--functions 15000]
 *
 * The code is reload-memory's (lib/big-plugin.ts): one real build is the template, version N
 * rewrites a fixed-width constant in it, so every version's source differs. Each measurement runs in
 * a fresh child with --expose-gc --max-old-space-size=4096; the heap is weighed after full
 * collections with version 0 loaded and again after the last version:
 * - hotswap: reload-memory's own child (`reload-memory.js --child hotswap`): `reload()` to each
 *   version with freeDelay 0, waiting for the old generation's `freed`;
 * - dynohot (`node --import dynohot/register`): a small app whose main module imports the code as
 *   `big.mjs` and accepts its updates (`import.meta.hot.accept('./big.mjs', ...)`); each version
 *   is written to big.mjs, and the next starts when dynohot (its own file watcher) has loaded it and
 *   called the accept callback;
 * - hot-hook (`hot.init({ watch: false, boundaries: ['./big.mjs'] })`): big.mjs is a boundary
 *   imported with `import('./big.mjs', { with: { hot: 'true' } })`; each version is written, then
 *   hot-hook is told the file changed (the message its runner sends when it does not watch files
 *   itself), and once it has invalidated the module the app imports it again.
 * The apps live in a temp directory whose node_modules links to this package's.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBigPlugin, DEFAULT_FUNCTIONS, esmVariant, readTemplate, versionTag, type Template } from './lib/big-plugin.js';
import { option, runChild, settledHeap } from './lib/child.js';
import type { ChildResult } from './reload-memory.js';
import { printTable } from './lib/report.js';
import { mb, median, signedMb } from './lib/stats.js';

const RELOAD_MEMORY = fileURLToPath(new URL('./reload-memory.js', import.meta.url));
/** This package's node_modules, linked into each app's directory. */
const NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const HEAP_MB = 4096;

type Mechanism = 'hotswap' | 'dynohot' | 'hot-hook';
const MECHANISMS: readonly Mechanism[] = ['hotswap', 'dynohot', 'hot-hook'];

/** lib/child.ts's settling, as source: the apps import nothing but node: modules and big.mjs. */
const SETTLED_HEAP = `${settledHeap.toString()}
const tag = (version) => 'ver-' + String(version).padStart(6, '0');
const loads = Number(process.argv[2]);
const template = readFileSync(new URL('./template.txt', import.meta.url), 'utf8');
const file = new URL('./big.mjs', import.meta.url);
const write = (version) => writeFileSync(file, template.replace('"' + tag(0) + '"', '"' + tag(version) + '"'));
/** Rejects if \`promise\` has not settled within a minute: the measurement is bounded. */
const bounded = (promise, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(what + ': nothing after 60 s')), 60_000).unref())]);
`;

const DYNOHOT_MAIN = `import big from './big.mjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
${SETTLED_HEAP}
let arrived;
import.meta.hot.accept('./big.mjs', () => arrived?.());
const keepAlive = setInterval(() => {}, 1000); // dynohot's watcher does not keep the process alive
let checksum = big.functions.run(1);
const before = await settledHeap();
const startedAt = performance.now();
for (let version = 1; version <= loads; version++) {
  const next = new Promise((resolve) => (arrived = resolve));
  write(version);
  await bounded(next, 'version ' + version);
  if (big.functions.version() !== tag(version)) throw new Error('version ' + version + ' is not serving: ' + big.functions.version());
  checksum += big.functions.run(version);
}
const ms = performance.now() - startedAt;
const after = await settledHeap();
clearInterval(keepAlive);
if (!Number.isFinite(checksum)) throw new Error('bad checksum');
process.stdout.write(JSON.stringify({ mechanism: 'dynohot', loads, before, after, ms }) + '\\n');
process.exit(0);
`;

const HOT_HOOK_MAIN = `import { hot } from 'hot-hook';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
${SETTLED_HEAP}
await hot.init({ root: fileURLToPath(import.meta.url), watch: false, boundaries: ['./big.mjs'] });
let invalidated;
hot.dispose(file.href, () => invalidated?.());
const keepAlive = setInterval(() => {}, 1000); // hot-hook's message port does not keep the process alive
const load = async () => (await import('./big.mjs', { with: { hot: 'true' } })).default;
let big = await load();
let checksum = big.functions.run(1);
const before = await settledHeap();
const startedAt = performance.now();
for (let version = 1; version <= loads; version++) {
  write(version);
  const next = new Promise((resolve) => (invalidated = resolve));
  // What hot-hook's runner sends when hot-hook does not watch files itself (watch: false).
  process.emit('message', { type: 'hot-hook:file-changed', path: fileURLToPath(file) });
  await bounded(next, 'version ' + version);
  big = await load();
  if (big.functions.version() !== tag(version)) throw new Error('version ' + version + ' is not serving: ' + big.functions.version());
  checksum += big.functions.run(version);
}
const ms = performance.now() - startedAt;
big = undefined;
const after = await settledHeap();
clearInterval(keepAlive);
if (!Number.isFinite(checksum)) throw new Error('bad checksum');
process.stdout.write(JSON.stringify({ mechanism: 'hot-hook', loads, before, after, ms }) + '\\n');
process.exit(0);
`;

/** A fresh app directory for `mechanism`: main.mjs, big.mjs (version 0), the template, node_modules. */
async function app(work: string, mechanism: 'dynohot' | 'hot-hook', run: number, template: Template): Promise<string> {
  const path = join(work, `${mechanism}-${run}`);
  await mkdir(path, { recursive: true });
  // Real path: hot-hook matches the files it invalidates by their real path.
  const dir = await realpath(path);
  const esm = esmVariant(template, 0);
  await writeFile(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  await writeFile(join(dir, 'template.txt'), esm);
  await writeFile(join(dir, 'big.mjs'), esm);
  await writeFile(join(dir, 'main.mjs'), mechanism === 'dynohot' ? DYNOHOT_MAIN : HOT_HOOK_MAIN);
  await symlink(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  return dir;
}

async function measure(work: string, mechanism: Mechanism, run: number, template: Template, templateDir: string, loads: number): Promise<ChildResult> {
  const nodeArgs = ['--expose-gc', `--max-old-space-size=${HEAP_MB}`];
  if (mechanism === 'hotswap') {
    return runChild<ChildResult>(RELOAD_MEMORY, ['--child', 'hotswap', '--template', templateDir, '--loads', String(loads)], nodeArgs);
  }
  const dir = await app(work, mechanism, run, template);
  if (mechanism === 'dynohot') nodeArgs.push('--import', import.meta.resolve('dynohot/register'));
  return runChild<ChildResult>(join(dir, 'main.mjs'), [String(loads)], nodeArgs);
}

async function main(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '1'));
  const loads = Number(option(argv, 'loads', '50'));
  const functions = Number(option(argv, 'functions', String(DEFAULT_FUNCTIONS)));
  const work = await mkdtemp(join(tmpdir(), 'hotswap-bench-compare-memory-'));
  try {
    const templateDir = join(work, 'template');
    const built = await buildBigPlugin(join(work, 'src'), templateDir, 0, { functions });
    const template = await readTemplate(templateDir);
    if (!template.text.includes(`"${versionTag(0)}"`)) throw new Error('bad template');
    const results: ChildResult[] = [];
    const failures: string[] = [];
    for (let run = 1; run <= runs; run++) {
      for (const mechanism of MECHANISMS) {
        process.stderr.write(`run ${run}/${runs}: ${mechanism} x ${loads}...\n`);
        try {
          results.push(await measure(work, mechanism, run, template, templateDir, loads));
        } catch (error) {
          const message = (error as Error).message;
          failures.push(`${mechanism}: ${message}`);
          process.stderr.write(`  failed: ${message}\n`);
        }
      }
    }
    const rows = MECHANISMS.map((mechanism) => {
      const of = results.filter((r) => r.mechanism === mechanism);
      const name = { hotswap: 'hotswap reload(), freeDelay 0', dynohot: 'dynohot (import.meta.hot.accept)', 'hot-hook': "hot-hook (boundary, import(…, { with: { hot: 'true' } }))" }[mechanism];
      if (of.length === 0) return [name, String(loads), '-', '-', 'every run failed', '-', '-', `0/${runs}`];
      const growth = median(of.map((r) => r.after - r.before));
      return [
        name,
        String(loads),
        mb(median(of.map((r) => r.before))),
        mb(median(of.map((r) => r.after))),
        signedMb(growth),
        `${(growth / loads / 1e3).toFixed(1)} kB`,
        `${median(of.map((r) => r.ms / r.loads)).toFixed(1)} ms`,
        `${of.length}/${runs}${mechanism === 'hotswap' ? `, ${Math.max(...of.map((r) => r.retired ?? 0))} unfreed` : ''}`,
      ];
    });
    printTable(
      'compare-memory: heap kept after reloads of a ~1.5 MB module, hotswap vs dynohot vs hot-hook',
      [
        `module: ${functions} functions, ${mb(built.sourceBytes)} of TypeScript source; built once (${mb(built.artifactBytes)} with its inline source map), every version differs in one constant`,
        `heap = heapUsed after full GCs, medians of ${runs} run(s), each in a fresh child with --expose-gc --max-old-space-size=${HEAP_MB}`,
        'time per load: from writing the version to it answering (dynohot: includes its file watcher noticing the change)',
        ...failures.map((f) => `failed: ${f}`),
      ],
      ['mechanism', 'loads', 'heap before', 'heap after', 'growth', 'growth per load', 'time per load', 'runs ok'],
      rows,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
