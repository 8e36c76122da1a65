/**
 * How long one hotfix apply stops the main thread, against the size of the live heap.
 *
 *   node dist/bench/hotfix-pause.js [--runs 3] [--applies 3] [--heaps 50,500,2000]
 *                                   [--big-runs 2] [--big-applies 1] [--large 2000]
 *
 * About 3 minutes on Node 20 with the defaults (the 2 GB heap of small objects takes most of it);
 * `--heaps 50,500 --large 0` leaves the big heaps out.
 *
 * Each measurement runs in a fresh child started with --expose-gc and a --max-old-space-size of
 * twice the heap asked for plus 512 MB. The child imports a small ES module (`target.mjs`: two
 * exported functions) and creates a hotfix engine, applies and reverts one patch to warm up (the
 * inspector session, the planner's JIT) while the heap is still small, then fills its heap with
 * retained data until `heapUsed` reaches the size asked for, and weighs it after a full collection:
 * - small objects (the rows named by --heaps): arrays of `{ id, name }` objects, each name its own
 *   short string; about 21,500 objects and as many strings per MB, the shape of a server's caches
 *   and sessions;
 * - large strings (the --large row, 0 leaves it out): 1 MB strings, a few thousand objects in all.
 * Then `applies` patches, one after another, each changing `tag()` (`'v0'` → `'v1'` → `'v2'` …)
 * with its own version and built against the source the one before left, so every apply changes
 * something; each is checked by calling `tag()`.
 *
 * Per apply: the wall time of `await apply()`; the longest event-loop stall seen meanwhile (a 1 ms
 * interval timer's longest gap: what a request arriving then would wait); the CPU time the main
 * thread and the whole process used meanwhile (on a shared machine the wall time also counts the
 * wait for a core, the main thread's CPU time does not); the time until the engine reports the
 * debugger enabled (the `hotswap:hotfix:debugger` channel); and the outcome's `pauseMs` (the
 * longest `setScriptSource`) and `verifyMs` (the verification's heap walk).
 * Heaps of 1 GB and more get --big-runs runs of --big-applies applies: one apply of a 2 GB heap
 * of small objects takes tens of seconds.
 */
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHotfixEngine, type HotfixDebuggerMessage, type Patch } from '../src/hotfix/index.js';
import { option, runChild } from './lib/child.js';
import { printTable } from './lib/report.js';
import { mb, median, quantile } from './lib/stats.js';
import { quiet } from './lib/quiet-logger.js';

const SELF = fileURLToPath(import.meta.url);
const BIG_MB = 1000;

type Shape = 'small' | 'large';

interface Sample {
  /** Wall time of `await apply()`, ms. */
  readonly wall: number;
  /** Longest gap between two ticks of a 1 ms interval timer while apply() ran, ms. */
  readonly stall: number;
  /** CPU time of the main thread during apply() (Linux, 10 ms ticks; NaN elsewhere), ms. */
  readonly cpu: number;
  /** CPU time of the whole process during apply() (GC helper threads too), ms. */
  readonly processCpu: number;
  /** From apply() being called until the debugger was reported enabled, ms. */
  readonly enable: number;
  /** outcome.pauseMs */
  readonly pause: number;
  /** outcome.verifyMs */
  readonly verify: number;
}

interface ChildResult {
  /** heapUsed after a full collection, before the first timed apply. */
  readonly liveHeap: number;
  /** Objects allocated to fill the heap (the chunk arrays not counted). */
  readonly objects: number;
  readonly samples: Sample[];
}

function targetSource(tag: string): string {
  return `export function tag() {\n  return '${tag}';\n}\n\nexport function add(x) {\n  return x + 1;\n}\n`;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Kept reachable from the module scope for the child's whole life. */
const retained: unknown[] = [];

/** Allocates retained data until heapUsed reaches `bytes`; returns the number of objects made. */
function fill(shape: Shape, bytes: number): number {
  let objects = 0;
  while (process.memoryUsage().heapUsed < bytes) {
    if (shape === 'large') {
      // A flat one-byte string of 1 MB, its own content (not a rope).
      retained.push(Buffer.alloc(1e6, 97 + (objects % 26)).toString('latin1'));
      objects += 1;
      continue;
    }
    const chunk = new Array<unknown>(50_000);
    for (let i = 0; i < chunk.length; i++, objects += 2) chunk[i] = { id: objects, name: `item-${objects}` };
    retained.push(chunk);
  }
  return objects;
}

/**
 * CPU time the main thread has used, in ms, from /proc (Linux; ticks of 10 ms), or NaN. On a busy
 * machine the wall time of an apply grows with the wait for a core; this does not.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

const processCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Applies `patch`, timing it and the event loop meanwhile. */
async function timedApply(engine: ReturnType<typeof createHotfixEngine>, patch: Patch): Promise<Sample> {
  let enabledAt = Number.NaN;
  const onDebugger = (message: unknown): void => {
    const { enabled } = message as HotfixDebuggerMessage;
    if (enabled && Number.isNaN(enabledAt)) enabledAt = performance.now();
  };
  let last = performance.now();
  let stall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  // Start from a fresh tick, so the gap before apply() is not counted.
  await new Promise((resolve) => setTimeout(resolve, 5));
  subscribe('hotswap:hotfix:debugger', onDebugger);
  stall = 0;
  last = performance.now();
  const startedAt = last;
  const cpuAt = mainThreadCpuMs();
  const processCpuAt = processCpuMs();
  const outcome = await engine.apply(patch);
  const wall = performance.now() - startedAt;
  const cpu = mainThreadCpuMs() - cpuAt;
  const processCpu = processCpuMs() - processCpuAt;
  // Let the timer tick once after the apply's last synchronous stretch, so that gap is counted.
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(ticker);
  unsubscribe('hotswap:hotfix:debugger', onDebugger);
  if (!outcome.ok) throw new Error(`apply ${patch.version} failed: ${outcome.error.message}`);
  return { wall, stall, cpu, processCpu, enable: enabledAt - startedAt, pause: outcome.pauseMs, verify: outcome.verifyMs };
}

async function child(shape: Shape, heapMb: number, applies: number): Promise<ChildResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const dir = await mkdtemp(join(tmpdir(), 'hotswap-bench-hotfix-'));
  try {
    const file = join(dir, 'target.mjs');
    let running = targetSource('v0');
    await writeFile(file, running);
    const module = (await import(pathToFileURL(file).href)) as { tag: () => string; add: (x: number) => number };
    const engine = createHotfixEngine({ logger: quiet });

    // Warm up with the heap still small: connect, first Debugger.enable, the planner's code.
    const warm = await engine.apply({ version: 'warm-up', files: [{ file, baseHash: sha256(running), source: targetSource('warm') }] });
    if (!warm.ok || module.tag() !== 'warm') throw new Error('the warm-up apply failed');
    const unwarm = await engine.revert('warm-up');
    if (!unwarm.ok || module.tag() !== 'v0') throw new Error('the warm-up revert failed');

    const objects = fill(shape, heapMb * 1e6);
    gc();
    const liveHeap = process.memoryUsage().heapUsed;

    const samples: Sample[] = [];
    for (let n = 1; n <= applies; n++) {
      const version = `v${n}`;
      const source = targetSource(version);
      samples.push(await timedApply(engine, { version, files: [{ file, baseHash: sha256(running), source }] }));
      if (module.tag() !== version) throw new Error(`${version} did not apply: tag() is ${module.tag()}`);
      running = source;
    }
    await engine.close();
    if (module.add(1) !== 2 || retained.length === 0) throw new Error('bad state');
    return { liveHeap, objects, samples };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const count = (value: number): string => (value >= 1e5 ? `${(value / 1e6).toFixed(1)} M` : value.toLocaleString('en-US'));

interface Config {
  readonly name: string;
  readonly shape: Shape;
  readonly heapMb: number;
  readonly runs: number;
  readonly applies: number;
}

function sizeName(heapMb: number): string {
  return heapMb >= 1000 ? `${heapMb / 1000} GB` : `${heapMb} MB`;
}

async function parent(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '3'));
  const applies = Number(option(argv, 'applies', '3'));
  const bigRuns = Number(option(argv, 'big-runs', '2'));
  const bigApplies = Number(option(argv, 'big-applies', '1'));
  const large = Number(option(argv, 'large', '2000'));
  const heaps = option(argv, 'heaps', '50,500,2000').split(',').filter((h) => h !== '').map(Number);
  const configs: Config[] = heaps.map((heapMb) => ({
    name: `${sizeName(heapMb)}, small objects`,
    shape: 'small',
    heapMb,
    runs: heapMb >= BIG_MB ? bigRuns : runs,
    applies: heapMb >= BIG_MB ? bigApplies : applies,
  }));
  if (large > 0) configs.push({ name: `${sizeName(large)}, 1 MB strings`, shape: 'large', heapMb: large, runs, applies });

  const results = new Map<Config, ChildResult[]>(configs.map((config) => [config, []]));
  const maxRuns = Math.max(...configs.map((c) => c.runs));
  for (let run = 1; run <= maxRuns; run++) {
    for (const config of configs) {
      if (run > config.runs) continue;
      process.stderr.write(`run ${run}/${config.runs}: ${config.name}, ${config.applies} applies...\n`);
      const nodeArgs = ['--expose-gc', `--max-old-space-size=${2 * config.heapMb + 512}`];
      const args = ['--child', config.shape, '--heap', String(config.heapMb), '--applies', String(config.applies)];
      results.get(config)?.push(await runChild<ChildResult>(SELF, args, nodeArgs));
    }
  }

  const rows: string[][] = [];
  const summary: string[] = [];
  for (const config of configs) {
    const of = results.get(config) ?? [];
    const all = of.flatMap((r) => r.samples);
    const med = (pick: (s: Sample) => number): number => median(of.map((r) => median(r.samples.map(pick))));
    const wallRuns = of.map((r) => median(r.samples.map((s) => s.wall)));
    rows.push([
      config.name,
      count(median(of.map((r) => r.objects))),
      mb(median(of.map((r) => r.liveHeap))),
      `${of.length} x ${config.applies}`,
      ms(med((s) => s.wall)),
      ms(quantile(all.map((s) => s.wall), 0.9)),
      ms(med((s) => s.stall)),
      ms(med((s) => s.cpu)),
      ms(med((s) => s.processCpu)),
      ms(med((s) => s.enable)),
      ms(med((s) => s.pause)),
      ms(quantile(all.map((s) => s.pause), 0.9)),
      ms(med((s) => s.verify)),
      config.shape === 'small' ? ms(med((s) => s.wall) / (median(of.map((r) => r.objects)) / 1e6)) : '-',
      wallRuns.map((m) => m.toFixed(0)).join(', '),
    ]);
    summary.push(`${config.name}: apply() ${ms(med((s) => s.wall))} (pauseMs ${ms(med((s) => s.pause))})`);
  }
  printTable(
    'hotfix-pause: main-thread pause of one apply against live heap size',
    [
      'patched: one function of a small ES module (imported); every apply a new version built on the one before',
      'heap: retained data allocated after a warm-up apply and revert, weighed with heapUsed after a full GC; objects: how many were allocated to fill it',
      `runs x applies: each run in a fresh child with --expose-gc; medians are medians of run medians, p90 over every apply of every run`,
      'wall: await apply(); longest stall: longest event-loop gap while it ran; CPU: used by the main thread (/proc, 10 ms ticks) and by the ' +
        'whole process (GC helper threads too) during apply(); enable: until the debugger was reported on; ' +
        'pauseMs: the longest setScriptSource (outcome); verifyMs: the verification heap walk (outcome)',
    ],
    ['heap', 'objects', 'live heap', 'runs x applies', 'apply() wall median', 'apply() wall p90', 'longest stall median',
      'main-thread CPU median', 'process CPU median', 'enable median',
      'pauseMs median', 'pauseMs p90', 'verifyMs median', 'wall per M objects', 'run medians (wall, ms)'],
    rows,
  );
  process.stdout.write(`goal: pause per apply against heap size: ${summary.join('; ')}\n\n`);
}

const argv = process.argv.slice(2);
const shape = option(argv, 'child', '');
if (shape === '') {
  await parent(argv);
} else {
  const result = await child(shape === 'large' ? 'large' : 'small', Number(option(argv, 'heap', '50')), Number(option(argv, 'applies', '3')));
  process.stdout.write(JSON.stringify(result) + '\n');
}
