/**
 * How long one hotfix apply stops the main thread, against the size of the live heap, for the two
 * backends side by side: redirection (the module was instrumented by hotswap's loader) and LiveEdit.
 *
 *   node dist/bench/hotfix-redirect-pause.js [--runs 3] [--applies 3] [--redirect-applies 20]
 *                                            [--heaps 50,500,2000] [--big-runs 1] [--big-applies 1] [--pad 0]
 *
 * About 5 minutes on Node 20 with the defaults on a busy 2-core machine, most of it LiveEdit (its
 * 500 MB applies, and filling the 2 GB heap and its single apply of 40 to 80 s); `--heaps 50,500`
 * leaves the 2 GB heap out.
 *
 * Each measurement runs in a fresh child with --expose-gc and a --max-old-space-size of twice the
 * heap plus 512 MB, as in hotfix-pause.ts:
 * - redirection: the child is started with `--import <hotswap>/dist/src/typescript/register.js`
 *   (what `hotswap run` does), so the target module is instrumented as it loads; every apply must
 *   report `backend: 'redirect'`;
 * - LiveEdit: the child is started without the loader; every apply must report `backend: 'liveedit'`.
 * The child imports a small ES module (`target.mjs`: two exported functions), creates a hotfix
 * engine, applies and reverts one patch to warm up while the heap is small, fills the heap with
 * arrays of small `{ id, name }` objects (each name its own short string) until `heapUsed` reaches
 * the size asked for, runs a full collection, then applies patches one after another, each changing
 * `tag()` and built on the source the one before left, each checked by calling `tag()`.
 *
 * Per apply: the wall time of `await apply()`; the CPU time the process used meanwhile
 * (`process.cpuUsage()`: on a shared machine the wall time also counts the wait for a core); the longest gap of a 1 ms interval timer meanwhile
 * (what hotfix-pause.ts reports; its floor is the timer's own 1 ms period); the longest gap between
 * two turns of a `setImmediate` loop running meanwhile (the longest stretch in which the event loop
 * could not run anything: a finer measure of the stall than the timer, with no 1 ms floor); a gap
 * counts when it overlaps the apply; and the
 * outcome's `pauseMs`. Before each apply the same window is measured around no apply at all (the
 * control: what the machine and the heap cause on their own). The process's first apply, made
 * before the heap is filled (its code cold), is timed too and reported on its own; it is reverted
 * before the heap is filled. Heaps of 1 GB and more get --big-runs runs of --big-applies LiveEdit
 * applies (one takes tens of seconds); redirection gets --redirect-applies applies per run at every
 * size. --pad N adds N small functions to the patched module (its size, not the heap's, is what a
 * redirected apply's work grows with: the module is parsed a few times per apply).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHotfixEngine, type HotfixBackend, type Patch } from '../src/hotfix/index.js';
import { option, runChild } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { mb, median, quantile } from './lib/stats.js';
import { quiet } from './lib/quiet-logger.js';

const SELF = fileURLToPath(import.meta.url);
/** hotswap's loader, as `hotswap run` and `node --import hotswap/register` start it. */
const REGISTER = fileURLToPath(new URL('../src/typescript/register.js', import.meta.url));
const BIG_MB = 1000;
/** Goal for redirection: the main thread stalls at most this long, at every heap size. */
const GOAL_MS = 1;

interface Sample {
  /** Wall time of `await apply()`, ms. */
  readonly wall: number;
  /** CPU time of the process during apply() (process.cpuUsage(), microseconds), ms. */
  readonly cpu: number;
  /** Longest gap between two ticks of a 1 ms interval timer while apply() ran, ms. */
  readonly timerGap: number;
  /** Longest gap between two turns of a setImmediate loop while apply() ran, ms. */
  readonly turnGap: number;
  /** outcome.pauseMs */
  readonly pause: number;
}

interface ChildResult {
  readonly liveHeap: number;
  readonly objects: number;
  /** The process's first apply (the warm-up, before the heap is filled). */
  readonly first: Sample;
  readonly samples: Sample[];
  /** The same measurement around no apply, once before each apply. */
  readonly control: Sample[];
}

function targetSource(tag: string, pad: number): string {
  let padding = '';
  for (let i = 0; i < pad; i++) padding += `\nexport function pad${i}(items) {\n  return items.filter((item) => item.id !== ${i}).map((item) => item.name).join(',');\n}\n`;
  return `export function tag() {\n  return '${tag}';\n}\n\nexport function add(x) {\n  return x + 1;\n}\n${padding}`;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Kept reachable from the module scope for the child's whole life. */
const retained: unknown[] = [];

/** Allocates small objects until heapUsed reaches `bytes` (as hotfix-pause.ts); returns how many. */
function fill(bytes: number): number {
  let objects = 0;
  while (process.memoryUsage().heapUsed < bytes) {
    const chunk = new Array<unknown>(50_000);
    for (let i = 0; i < chunk.length; i++, objects += 2) chunk[i] = { id: objects, name: `item-${objects}` };
    retained.push(chunk);
  }
  return objects;
}

/**
 * The longest gap between successive calls of `tick()` that overlaps [from, to]: ticks before and
 * after the window count only for the gap that straddles its start or its end.
 */
class GapWatch {
  private last = performance.now();
  private readonly gaps: Array<{ start: number; end: number }> = [];
  tick(): void {
    const now = performance.now();
    this.gaps.push({ start: this.last, end: now });
    this.last = now;
  }
  longest(from: number, to: number): number {
    return Math.max(0, ...this.gaps.filter((g) => g.end > from && g.start < to).map((g) => g.end - g.start));
  }
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Applies `patch`, timing it and the event loop meanwhile; checks the backend that did it. */
async function timedApply(engine: ReturnType<typeof createHotfixEngine>, patch: Patch | undefined, backend: HotfixBackend): Promise<Sample> {
  const timer = new GapWatch();
  const turns = new GapWatch();
  const ticker = setInterval(() => timer.tick(), 1);
  let spinning = true;
  const spin = (): void => {
    turns.tick();
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  // Let both settle into their rhythm before apply() is called.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const startedAt = performance.now();
  const cpuAt = cpuMs();
  // No patch: the control, the same window around no apply at all.
  const outcome = patch === undefined ? undefined : await engine.apply(patch);
  if (patch === undefined) await Promise.resolve();
  const cpu = cpuMs() - cpuAt;
  const endedAt = performance.now();
  // Let both tick once after the apply's last synchronous stretch, so that gap is counted.
  await new Promise((resolve) => setTimeout(resolve, 5));
  spinning = false;
  clearInterval(ticker);
  if (outcome !== undefined && patch !== undefined) {
    if (!outcome.ok) throw new Error(`apply ${patch.version} failed: ${outcome.error.message}`);
    const wrong = outcome.functions.find((f) => f.backend !== backend);
    if (wrong !== undefined) throw new Error(`apply ${patch.version}: ${wrong.name} went through ${wrong.backend}, expected ${backend}`);
  }
  return {
    wall: endedAt - startedAt,
    cpu,
    timerGap: timer.longest(startedAt, endedAt),
    turnGap: turns.longest(startedAt, endedAt),
    pause: outcome?.ok === true ? outcome.pauseMs : 0,
  };
}

async function child(backend: HotfixBackend, heapMb: number, applies: number, pad: number): Promise<ChildResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const dir = await mkdtemp(join(tmpdir(), 'hotswap-bench-redirect-pause-'));
  try {
    const file = join(dir, 'target.mjs');
    let running = targetSource('v0', pad);
    await writeFile(file, running);
    const module = (await import(pathToFileURL(file).href)) as { tag: () => string; add: (x: number) => number };
    const engine = createHotfixEngine({ logger: quiet });

    // The process's first apply, timed (its code runs cold), with the heap still small.
    const first = await timedApply(engine, { version: 'warm-up', files: [{ file, baseHash: sha256(running), source: targetSource('warm', pad) }] }, backend);
    if (module.tag() !== 'warm') throw new Error('the warm-up apply failed');
    const unwarm = await engine.revert('warm-up');
    if (!unwarm.ok || module.tag() !== 'v0') throw new Error('the warm-up revert failed');

    const objects = fill(heapMb * 1e6);
    gc();
    const liveHeap = process.memoryUsage().heapUsed;

    const samples: Sample[] = [];
    const control: Sample[] = [];
    for (let n = 1; n <= applies; n++) {
      const version = `v${n}`;
      const source = targetSource(version, pad);
      control.push(await timedApply(engine, undefined, backend));
      samples.push(await timedApply(engine, { version, files: [{ file, baseHash: sha256(running), source }] }, backend));
      if (module.tag() !== version) throw new Error(`${version} did not apply: tag() is ${module.tag()}`);
      running = source;
    }
    await engine.close();
    if (module.add(1) !== 2 || retained.length === 0) throw new Error('bad state');
    return { liveHeap, objects, first, samples, control };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ms = (value: number): string => (value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`);
const sizeName = (heapMb: number): string => (heapMb >= 1000 ? `${heapMb / 1000} GB` : `${heapMb} MB`);
const count = (value: number): string => `${(value / 1e6).toFixed(1)} M`;

interface Config {
  readonly heapMb: number;
  readonly backend: HotfixBackend;
  readonly runs: number;
  readonly applies: number;
}

async function parent(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '3'));
  const applies = Number(option(argv, 'applies', '3'));
  const redirectApplies = Number(option(argv, 'redirect-applies', '20'));
  const bigRuns = Number(option(argv, 'big-runs', '1'));
  const bigApplies = Number(option(argv, 'big-applies', '1'));
  const pad = Number(option(argv, 'pad', '0'));
  const heaps = option(argv, 'heaps', '50,500,2000').split(',').filter((h) => h !== '').map(Number);
  const configs: Config[] = heaps.flatMap((heapMb): Config[] => [
    { heapMb, backend: 'redirect', runs: heapMb >= BIG_MB ? bigRuns : runs, applies: redirectApplies },
    { heapMb, backend: 'liveedit', runs: heapMb >= BIG_MB ? bigRuns : runs, applies: heapMb >= BIG_MB ? bigApplies : applies },
  ]);

  const results = new Map<Config, ChildResult[]>(configs.map((config) => [config, []]));
  let liveEditGone = false;
  const maxRuns = Math.max(...configs.map((c) => c.runs));
  // Runs interleaved (run 1 of every configuration, then run 2...), so drift on a shared machine
  // falls on both backends alike.
  for (let run = 1; run <= maxRuns; run++) {
    for (const config of configs) {
      if (run > config.runs || (config.backend === 'liveedit' && liveEditGone)) continue;
      process.stderr.write(`run ${run}/${config.runs}: ${sizeName(config.heapMb)}, ${config.backend}, ${config.applies} applies...\n`);
      const nodeArgs = ['--expose-gc', `--max-old-space-size=${2 * config.heapMb + 512}`];
      if (config.backend === 'redirect') nodeArgs.push('--import', pathToFileURL(REGISTER).href);
      const args = ['--child', config.backend, '--heap', String(config.heapMb), '--applies', String(config.applies), '--pad', String(pad)];
      try {
        results.get(config)?.push(await runChild<ChildResult>(SELF, args, nodeArgs));
      } catch (error) {
        // Node 26 has no LiveEdit any more (setScriptSource is gone): its rows are left out.
        const message = error instanceof Error ? error.message : String(error);
        if (config.backend !== 'liveedit' || !/setScriptSource functionality no longer available/.test(message)) throw error;
        liveEditGone = true;
      }
    }
  }

  const rows: string[][] = [];
  const goal: string[] = [];
  let met = true;
  for (const heapMb of heaps) {
    const stats = (backend: HotfixBackend) => {
      const config = configs.find((c) => c.heapMb === heapMb && c.backend === backend) as Config;
      const of = results.get(config) ?? [];
      const all = of.flatMap((r) => r.samples);
      const med = (pick: (s: Sample) => number): number => median(of.map((r) => median(r.samples.map(pick))));
      const max = (pick: (s: Sample) => number): number => Math.max(...all.map(pick));
      const control = of.flatMap((r) => r.control);
      return { config, of, all, med, max, control };
    };
    const redirect = stats('redirect');
    const liveedit = stats('liveedit');
    for (const { config, of, all, med, max, control } of [redirect, liveedit]) {
      if (of.length === 0) continue;
      rows.push([
        sizeName(heapMb),
        config.backend === 'redirect' ? 'redirection' : 'LiveEdit',
        `${count(median(of.map((r) => r.objects)))} / ${mb(median(of.map((r) => r.liveHeap)))}`,
        `${of.length} x ${config.applies}`,
        ms(med((s) => s.wall)),
        ms(quantile(all.map((s) => s.wall), 0.9)),
        ms(med((s) => s.cpu)),
        ms(med((s) => s.timerGap)),
        ms(med((s) => s.turnGap)),
        ms(max((s) => s.turnGap)),
        ms(med((s) => s.pause)),
        `${ms(median(control.map((s) => s.turnGap)))} / ${ms(Math.max(...control.map((s) => s.turnGap)))}`,
        `${ms(median(of.map((r) => r.first.wall)))} / ${ms(median(of.map((r) => r.first.turnGap)))}`,
        config.backend === 'redirect' ? '1' : `${(med((s) => s.turnGap) / redirect.med((s) => s.turnGap)).toFixed(0)}x`,
      ]);
    }
    const stall = redirect.med((s) => s.turnGap);
    const worst = redirect.max((s) => s.turnGap);
    met &&= stall <= GOAL_MS;
    goal.push(`${sizeName(heapMb)}: ${ms(stall)} median, ${ms(worst)} max${liveedit.of.length === 0 ? '' : ` (LiveEdit ${ms(liveedit.med((s) => s.turnGap))})`}`);
  }
  printTable(
    'hotfix-redirect-pause: main-thread stall of one apply against live heap size, redirection vs LiveEdit',
    [
      'patched: one function of a small ES module (imported); every apply a new version built on the one before',
      'redirection: child started with --import hotswap/register (the module instrumented as it loads); LiveEdit: child without the loader',
      'heap: small objects retained after a warm-up apply and revert, weighed with heapUsed after a full GC',
      'runs x applies: each run in a fresh child; medians are medians of run medians, p90 and max over every apply of every run',
      'wall: await apply(); CPU: the process\'s CPU time during apply() (process.cpuUsage(); unlike the wall time, not the wait for a core); timer gap: longest gap of a 1 ms interval timer while it ran (floor: the 1 ms period); ' +
        'turn gap: longest gap between two turns of a setImmediate loop (the longest stretch the event loop was blocked); pauseMs: outcome',
      'no apply: the same window (5 ms of ticks, an await, 5 ms) with no apply, once before each apply: what the machine and the heap alone cause; ' +
        'first apply: the process\'s first apply, made before the heap is filled (the others are warm)',
      `target module: ${pad === 0 ? 'two functions' : `two functions and ${pad} more (--pad), ${(targetSource('v0', pad).length / 1000).toFixed(0)} KB`}`,
      ...(liveEditGone ? ['LiveEdit rows left out: this Node has no LiveEdit (Debugger.setScriptSource is no longer available)'] : []),
      'ratio: LiveEdit turn gap over redirection turn gap (medians), same heap, same run of the benchmark',
    ],
    ['heap', 'backend', 'objects / live heap', 'runs x applies', 'apply() wall median', 'apply() wall p90', 'CPU median', 'timer gap median',
      'turn gap median', 'turn gap max', 'pauseMs median',
      'no apply: turn gap median / max', 'first apply: wall / turn gap', 'ratio'],
    rows,
  );
  process.stdout.write(goalLine('main-thread stall of a redirected apply', met, goal.join('; '), `<= ${GOAL_MS} ms at every heap size`) + '\n\n');
}

const argv = process.argv.slice(2);
const mode = option(argv, 'child', '');
if (mode === '') {
  await parent(argv);
} else {
  const result = await child(
    mode === 'redirect' ? 'redirect' : 'liveedit',
    Number(option(argv, 'heap', '50')),
    Number(option(argv, 'applies', '3')),
    Number(option(argv, 'pad', '0')),
  );
  process.stdout.write(JSON.stringify(result) + '\n');
}
