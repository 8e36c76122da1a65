/**
 * Throughput of await-heavy code before, during and after a hotfix apply. While the debugger is
 * enabled, code that awaits a lot runs several times slower; the engine enables it only while an
 * apply runs, so after the apply the throughput must be back at the before figure.
 *
 *   node dist/bench/hotfix-await.js [--runs 5] [--window 1000] [--hold 1000] [--batch 20000] [--plain-steps 100000]
 *                                   [--no-redirect | --redirect-only]
 *
 * The await-heavy code: `batch(n)` awaits `middle(i)` n times, which awaits `leaf(i)`, which awaits
 * a resolved promise: three awaits and three async calls per step. It runs in batches of --batch
 * steps, each timed, with a `setImmediate` between batches so timers and I/O still run (a chain of
 * resolved awaits alone would starve them). Throughput is awaits per second over the median batch
 * (a batch that a pause of the thread fell into does not count) and over the whole window (every
 * pause counted).
 *
 * Each run is a fresh child: warm-up (500 ms of batches), then
 * - before: --window ms, no debugger;
 * - during: an apply held open. The patched module (an ES module, imported) has an async function
 *   `hold(gate)` suspended at `await gate`; the patch changes `hold`, so LiveEdit refuses it
 *   (`BlockedByActiveGenerator`) and the engine retries at later turns of the event loop, with the
 *   debugger on, until `gate` resolves --hold ms after the apply started and `hold` finishes. The
 *   batches run meanwhile; those that started after the engine reported the debugger enabled and
 *   ended before it reported it disabled (`hotswap:hotfix:debugger`) make the window;
 * - after: three windows' worth of batches from the moment apply() resolved, reported as its first
 *   100 ms, its first window and its third window;
 * - a plain apply (not held: another function of the same module) with a fixed amount of await
 *   work (--plain-steps steps) started in the same tick, against the same work alone just before:
 *   what a request in flight during a normal apply sees.
 * - a later apply: a window, then one more plain apply (the process has had two), then three
 *   windows, compared with the window just before it.
 * Each run also has a child whose engine is created with `warmUp: true` (the debugger enabled and
 * disabled once at creation, before the before window), and a control child that does the same
 * with no apply (the batches run until `gate` resolves), so the after/before ratios can be told
 * from drift and noise.
 *
 * Each run also has a child started with hotswap's loader (`--import .../register.js`, left out by
 * --no-redirect), in which the patched module is instrumented and every apply goes through
 * redirection, no debugger involved: the same windows but "during" (the first apply does not wait
 * for the suspended `hold`, whose call goes on in the old code; the gate opens once it is done).
 * The benchmark's own file is instrumented there too, the await-heavy code with it: its ratios
 * compare, its absolute figures do not. --redirect-only leaves out the LiveEdit children (for a Node
 * without LiveEdit: `Debugger.setScriptSource` is no longer available in Node 26).
 *
 * Why the first apply and a later one differ: the first time a V8 isolate's debugger is enabled,
 * V8 turns off a fast path of promises for good (as it does the first time any promise hook is
 * installed); a later apply finds it off already.
 */
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHotfixEngine, type HotfixDebuggerMessage } from '../src/hotfix/index.js';
import { option, runChild } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { median } from './lib/stats.js';
import { quiet } from './lib/quiet-logger.js';

const SELF = fileURLToPath(import.meta.url);
/** hotswap's loader, as `hotswap run` and `node --import hotswap/register` start it. */
const REGISTER = fileURLToPath(new URL('../src/typescript/register.js', import.meta.url));
const AWAITS_PER_STEP = 3;
const WARMUP_MS = 500;
/** After must be at least this fraction of before: the spread of control runs is a few percent. */
const GOAL_RATIO = 0.95;

// ---------------------------------------------------------------- the await-heavy code

async function leaf(x: number): Promise<number> {
  return (await Promise.resolve(x)) + 1;
}

async function middle(x: number): Promise<number> {
  return (await leaf(x)) * 2;
}

async function batch(steps: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += await middle(i);
  return sum;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Batch {
  readonly start: number;
  readonly end: number;
}

interface Window {
  /** Awaits per second over the median batch. */
  readonly median: number;
  /** Awaits per second over the window: every batch's awaits over the time from the first start to the last end. */
  readonly whole: number;
  readonly batches: number;
}

let checksum = 0;

/** Runs batches until `stop()` says so (checked between batches). */
async function runBatches(steps: number, stop: () => boolean): Promise<Batch[]> {
  const batches: Batch[] = [];
  while (!stop()) {
    const start = performance.now();
    checksum += await batch(steps);
    batches.push({ start, end: performance.now() });
    await nextTurn();
  }
  return batches;
}

function summarise(batches: readonly Batch[], steps: number): Window {
  const first = batches[0];
  const last = batches[batches.length - 1];
  if (first === undefined || last === undefined) return { median: Number.NaN, whole: Number.NaN, batches: 0 };
  const awaits = steps * AWAITS_PER_STEP;
  return {
    median: awaits / (median(batches.map((b) => b.end - b.start)) / 1e3),
    whole: (awaits * batches.length) / ((last.end - first.start) / 1e3),
    batches: batches.length,
  };
}

// ---------------------------------------------------------------- the child

type ChildMode = 'apply' | 'warm' | 'control' | 'redirect';

interface ChildResult {
  readonly before: Window;
  readonly during: Window;
  readonly after: Window;
  /** The first 100 ms after apply() resolved. */
  readonly afterFirst: Window;
  /** The third window after apply() resolved (2 to 3 windows after). */
  readonly later: Window;
  /** The held apply: wall time, debugger on (ms), attempts. */
  readonly held: { readonly wall: number; readonly debuggerOn: number; readonly attempts: number };
  /** The plain apply: wall, debugger on, and the fixed work alone and started with it (ms). */
  readonly plain: { readonly wall: number; readonly debuggerOn: number; readonly alone: number; readonly withApply: number };
  /** Around one more apply, once the process has had two: the window before it, its first and third window after. */
  readonly again: { readonly before: Window; readonly after: Window; readonly later: Window };
  readonly checksum: number;
}

function targetSource(holdTag: string, tag: string): string {
  return (
    `export async function hold(gate) {\n  await gate;\n  return '${holdTag}';\n}\n\n` +
    `export function tag() {\n  return '${tag}';\n}\n`
  );
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Times of the debugger being enabled and disabled by the engine, as reported. */
class DebuggerWatch {
  on = Number.NaN;
  off = Number.NaN;
  private reportOff = (): void => {};
  /** Resolves once the debugger has been reported disabled. */
  readonly disabled = new Promise<void>((resolve) => (this.reportOff = resolve));
  private readonly listener = (message: unknown): void => {
    const { enabled } = message as HotfixDebuggerMessage;
    if (enabled) this.on = performance.now();
    else {
      this.off = performance.now();
      this.reportOff();
    }
  };
  constructor() {
    subscribe('hotswap:hotfix:debugger', this.listener);
  }
  close(): void {
    unsubscribe('hotswap:hotfix:debugger', this.listener);
  }
}

async function child(mode: ChildMode, windowMs: number, holdMs: number, steps: number, plainSteps: number): Promise<ChildResult> {
  const control = mode === 'control';
  const dir = await mkdtemp(join(tmpdir(), 'hotswap-bench-hotfix-await-'));
  try {
    const file = join(dir, 'target.mjs');
    const original = targetSource('v0', 'v0');
    await writeFile(file, original);
    const module = (await import(pathToFileURL(file).href)) as { hold: (gate: Promise<void>) => Promise<string>; tag: () => string };
    const warmWatch = new DebuggerWatch();
    const engine = createHotfixEngine({ logger: quiet, safePointDeadlineMs: holdMs + 5000, warmUp: mode === 'warm' });
    // With warmUp, the debugger goes on and off once in the background: before is measured after it.
    if (mode === 'warm') await warmWatch.disabled;
    warmWatch.close();

    const until = (ms: number): (() => boolean) => {
      const end = performance.now() + ms;
      return () => performance.now() >= end;
    };
    await runBatches(steps, until(WARMUP_MS));
    const before = summarise(await runBatches(steps, until(windowMs)), steps);

    // During: an apply held open by a suspended `hold`, the debugger on until it finishes. A control
    // run does the same with no apply: the batches run for as long, against the same `hold`.
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const suspended = module.hold(gate);
    const watch = new DebuggerWatch();
    const heldStarted = performance.now();
    let settled = false;
    const applying = control
      ? gate.then(() => ({ ok: true as const, attempts: 0 }))
      : engine.apply({ version: mode === 'redirect' ? 'first' : 'held', files: [{ file, baseHash: sha256(original), source: targetSource('v1', 'v0') }] });
    void applying.finally(() => (settled = true));
    // Redirection is not held up by the suspended `hold` (that call goes on in the old code, new
    // calls take the new one): the apply is done at once, and the gate opens as soon as it is.
    if (mode === 'redirect') void applying.then(release);
    const timer = setTimeout(release, holdMs);
    const duringBatches = await runBatches(steps, () => settled);
    const outcome = await applying;
    const heldWall = performance.now() - heldStarted;
    clearTimeout(timer);
    watch.close();
    if (!outcome.ok) throw new Error(`the held apply failed: ${outcome.error.message}`);
    const backend = mode === 'redirect' ? 'redirect' : 'liveedit';
    if ('functions' in outcome && outcome.functions.some((f) => f.backend !== backend)) throw new Error(`the held apply did not go through ${backend}`);
    const expected = control ? 'v0' : 'v1';
    if ((await suspended) !== 'v0' || (await module.hold(Promise.resolve())) !== expected) throw new Error('the held apply did not apply');
    const during = control
      ? summarise(duringBatches, steps)
      : summarise(duringBatches.filter((b) => b.start >= watch.on && b.end <= watch.off), steps);

    // After: three windows from the moment the apply resolved, under the same load.
    const afterStart = performance.now();
    const afterBatches = await runBatches(steps, until(3 * windowMs));
    const afterFirst = summarise(afterBatches.filter((b) => b.end <= afterStart + 100), steps);
    const after = summarise(afterBatches.filter((b) => b.end <= afterStart + windowMs), steps);
    const later = summarise(afterBatches.filter((b) => b.start >= afterStart + 2 * windowMs), steps);

    // A plain apply with a fixed amount of await work started in the same tick.
    let plain: ChildResult['plain'] = { wall: Number.NaN, debuggerOn: Number.NaN, alone: Number.NaN, withApply: Number.NaN };
    if (!control) {
      let started = performance.now();
      checksum += await batch(plainSteps);
      const alone = performance.now() - started;
      await nextTurn();
      const plainWatch = new DebuggerWatch();
      const patched = targetSource('v1', 'v0');
      started = performance.now();
      const plainApply = engine.apply({ version: 'plain', files: [{ file, baseHash: sha256(patched), source: targetSource('v1', 'v1') }] });
      checksum += await batch(plainSteps);
      const withApply = performance.now() - started;
      const plainOutcome = await plainApply;
      const wall = performance.now() - started;
      plainWatch.close();
      if (!plainOutcome.ok || module.tag() !== 'v1') throw new Error('the plain apply failed');
      plain = { wall, debuggerOn: plainWatch.off - plainWatch.on, alone, withApply };
    }

    // One more apply (the process has had two already), against the window just before it.
    const beforeAgain = summarise(await runBatches(steps, until(windowMs)), steps);
    if (!control) {
      const last = targetSource('v1', 'v1');
      const againOutcome = await engine.apply({ version: 'again', files: [{ file, baseHash: sha256(last), source: targetSource('v1', 'v2') }] });
      if (!againOutcome.ok || module.tag() !== 'v2') throw new Error('the later apply failed');
    }
    const againStart = performance.now();
    const againBatches = await runBatches(steps, until(3 * windowMs));
    const again = {
      before: beforeAgain,
      after: summarise(againBatches.filter((b) => b.end <= againStart + windowMs), steps),
      later: summarise(againBatches.filter((b) => b.start >= againStart + 2 * windowMs), steps),
    };

    await engine.close();
    return {
      again,
      before,
      during,
      after,
      afterFirst,
      later,
      held: { wall: heldWall, debuggerOn: watch.off - watch.on, attempts: outcome.attempts },
      plain,
      checksum,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the parent

const rate = (value: number): string => `${(value / 1e6).toFixed(2)} M`;
const ratio = (value: number): string => `${value.toFixed(2)}x`;

async function parent(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '5'));
  const windowMs = Number(option(argv, 'window', '1000'));
  const holdMs = Number(option(argv, 'hold', '1000'));
  const steps = Number(option(argv, 'batch', '20000'));
  const plainSteps = Number(option(argv, 'plain-steps', '100000'));
  const noRedirect = argv.includes('--no-redirect');
  // Only redirection and the control: for a Node without LiveEdit (setScriptSource is gone in Node 26).
  const redirectOnly = argv.includes('--redirect-only');
  const results: ChildResult[] = [];
  const warmed: ChildResult[] = [];
  const controls: ChildResult[] = [];
  const redirected: ChildResult[] = [];
  for (let run = 1; run <= runs; run++) {
    const args = ['--window', String(windowMs), '--hold', String(holdMs), '--batch', String(steps), '--plain-steps', String(plainSteps)];
    process.stderr.write(`run ${run}/${runs}: apply...\n`);
    if (!redirectOnly) results.push(await runChild<ChildResult>(SELF, ['--child', 'apply', ...args]));
    process.stderr.write(`run ${run}/${runs}: apply with warmUp...\n`);
    if (!redirectOnly) warmed.push(await runChild<ChildResult>(SELF, ['--child', 'warm', ...args]));
    process.stderr.write(`run ${run}/${runs}: control, no apply...\n`);
    controls.push(await runChild<ChildResult>(SELF, ['--child', 'control', ...args]));
    if (!noRedirect) {
      process.stderr.write(`run ${run}/${runs}: apply by redirection (with the loader)...\n`);
      redirected.push(await runChild<ChildResult>(SELF, ['--child', 'redirect', ...args], ['--import', pathToFileURL(REGISTER).href]));
    }
  }
  const first = (r: ChildResult): Window => r.before;
  const again = (r: ChildResult): Window => r.again.before;
  const windows: Array<[string, (r: ChildResult) => Window, ChildResult[], (r: ChildResult) => Window]> = [
    ['first apply: before (no debugger yet)', (r) => r.before, results, first],
    ['first apply: during, held open (debugger on)', (r) => r.during, results, first],
    ['first apply: after, first 100 ms', (r) => r.afterFirst, results, first],
    [`first apply: after, first ${windowMs} ms`, (r) => r.after, results, first],
    [`first apply: after, ${2 * windowMs}-${3 * windowMs} ms`, (r) => r.later, results, first],
    ['a later apply: before', (r) => r.again.before, results, again],
    [`a later apply: after, first ${windowMs} ms`, (r) => r.again.after, results, again],
    [`a later apply: after, ${2 * windowMs}-${3 * windowMs} ms`, (r) => r.again.later, results, again],
    ['warmUp, first apply: before (after the warm-up)', (r) => r.before, warmed, first],
    ['warmUp, first apply: during, held open', (r) => r.during, warmed, first],
    [`warmUp, first apply: after, first ${windowMs} ms`, (r) => r.after, warmed, first],
    [`warmUp, first apply: after, ${2 * windowMs}-${3 * windowMs} ms`, (r) => r.later, warmed, first],
    ['control (no apply): before', (r) => r.before, controls, first],
    ['control: while the apply would run', (r) => r.during, controls, first],
    [`control: after, first ${windowMs} ms`, (r) => r.after, controls, first],
    [`control: after, ${2 * windowMs}-${3 * windowMs} ms`, (r) => r.later, controls, first],
    [`control: ${2 * windowMs}-${3 * windowMs} ms after the later apply's time`, (r) => r.again.later, controls, again],
  ];
  if (redirected.length > 0) {
    windows.push(
      ['redirection, first apply: before', (r) => r.before, redirected, first],
      ['redirection, first apply: after, first 100 ms', (r) => r.afterFirst, redirected, first],
      [`redirection, first apply: after, first ${windowMs} ms`, (r) => r.after, redirected, first],
      [`redirection, first apply: after, ${2 * windowMs}-${3 * windowMs} ms`, (r) => r.later, redirected, first],
      ['redirection, a later apply: before', (r) => r.again.before, redirected, again],
      [`redirection, a later apply: after, first ${windowMs} ms`, (r) => r.again.after, redirected, again],
      [`redirection, a later apply: after, ${2 * windowMs}-${3 * windowMs} ms`, (r) => r.again.later, redirected, again],
    );
  }
  const rows = windows.filter(([, , of]) => of.length > 0).map(([name, pick, of, base]) => {
    const byRun = of.map((r) => pick(r).median / base(r).median);
    return [
      name,
      rate(median(of.map((r) => pick(r).median))),
      ratio(median(byRun)),
      rate(median(of.map((r) => pick(r).whole))),
      ratio(median(of.map((r) => pick(r).whole / base(r).whole))),
      String(median(of.map((r) => pick(r).batches))),
      byRun.map((x) => x.toFixed(2)).join(', '),
    ];
  });
  const med = (pick: (r: ChildResult) => number): string => median(results.map(pick)).toFixed(0);
  const plainRatio = median(results.map((r) => r.plain.withApply / r.plain.alone));
  const ratios = (of: ChildResult[], pick: (r: ChildResult) => Window, base: (r: ChildResult) => Window) =>
    median(of.map((r) => pick(r).median / base(r).median));
  const afterRatio = ratios(results, (r) => r.after, first);
  const laterRatio = ratios(results, (r) => r.later, first);
  const controlRatio = ratios(controls, (r) => r.after, first);
  printTable(
    'hotfix-await: await-heavy code before, during and after an apply',
    [
      `work: batches of ${steps} steps, each step three nested async calls and three awaits; awaits/s over the median batch and over the whole window`,
      `windows of ${windowMs} ms; ${runs} runs with applies, ${runs} with applies and createHotfixEngine({ warmUp: true }), ${runs} control runs without, ` +
        `each in a fresh child; medians across runs; "vs before" per run, to that run's before (a later apply: to the window just before it)`,
      'first apply: the first time the debugger is enabled in the process; a later apply: a third one, once the process has had two',
      ...(results.length === 0
        ? ['--redirect-only: no LiveEdit runs']
        : [
          `held apply: median ${med((r) => r.held.wall)} ms, debugger on for ${med((r) => r.held.debuggerOn)} ms, ${med((r) => r.held.attempts)} attempts ` +
            `(a suspended async function in the patched code, released after ${holdMs} ms)`,
          `plain apply (not held): median ${med((r) => r.plain.wall)} ms, debugger on for ${med((r) => r.plain.debuggerOn)} ms; ` +
            `${plainSteps * AWAITS_PER_STEP} awaits started with it took ${med((r) => r.plain.withApply)} ms, ` +
            `${med((r) => r.plain.alone)} ms alone just before (${ratio(plainRatio)})`,
          ]),
      ...(redirected.length === 0
        ? []
        : [
            `redirection: ${redirected.length} more runs, each a child started with --import hotswap/register, so the patched module is instrumented and every apply ` +
              `goes through redirection (no debugger: enabled in ${redirected.filter((r) => r.held.debuggerOn !== null && !Number.isNaN(r.held.debuggerOn)).length} of them); ` +
              `the await-heavy code is instrumented too (it is in the benchmark's own file), so its before figure is not comparable with the others', only its ratios; ` +
              `first apply: median ${median(redirected.map((r) => r.held.wall)).toFixed(1)} ms (it does not wait for the suspended function); ` +
              `plain apply: median ${median(redirected.map((r) => r.plain.wall)).toFixed(1)} ms, ${plainSteps * AWAITS_PER_STEP} awaits started with it ` +
              `${ratio(median(redirected.map((r) => r.plain.withApply / r.plain.alone)))} their time alone`,
          ]),
    ],
    ['window', 'awaits/s (median batch)', 'vs before', 'awaits/s (whole window)', 'vs before', 'batches', 'runs, median batch vs before'],
    rows,
  );
  const liveEditGoals =
    results.length === 0
      ? ''
      : goalLine(
      'await throughput after an apply',
      afterRatio >= GOAL_RATIO,
      `${ratio(afterRatio)} the before figure in the first ${windowMs} ms, ${ratio(laterRatio)} ${2 * windowMs}-${3 * windowMs} ms after; control ${ratio(controlRatio)}`,
      `back at the before figure (>= ${GOAL_RATIO}x)`,
    ) +
      '\n' +
      goalLine(
        'await throughput after a later apply',
        ratios(results, (r) => r.again.later, again) >= GOAL_RATIO,
        `${ratio(ratios(results, (r) => r.again.after, again))} in the first ${windowMs} ms, ${ratio(ratios(results, (r) => r.again.later, again))} ${2 * windowMs}-${3 * windowMs} ms after`,
        `back at the before figure (>= ${GOAL_RATIO}x) ${2 * windowMs}-${3 * windowMs} ms after`,
      ) +
      '\n' +
      goalLine(
        'await throughput after the first apply, with warmUp',
        ratios(warmed, (r) => r.later, first) >= GOAL_RATIO,
        `${ratio(ratios(warmed, (r) => r.after, first))} in the first ${windowMs} ms, ${ratio(ratios(warmed, (r) => r.later, first))} ${2 * windowMs}-${3 * windowMs} ms after`,
        `back at the before figure (>= ${GOAL_RATIO}x) ${2 * windowMs}-${3 * windowMs} ms after`,
      ) + '\n';
  process.stdout.write(
    liveEditGoals +
      (redirected.length === 0
        ? ''
        : 
          goalLine(
            'await throughput after a redirected apply',
            ratios(redirected, (r) => r.after, first) >= GOAL_RATIO,
            `${ratio(ratios(redirected, (r) => r.afterFirst, first))} in the first 100 ms, ${ratio(ratios(redirected, (r) => r.after, first))} in the first ${windowMs} ms, ` +
              `${ratio(ratios(redirected, (r) => r.later, first))} ${2 * windowMs}-${3 * windowMs} ms after; a later apply ${ratio(ratios(redirected, (r) => r.again.after, again))}`,
            `back at the before figure (>= ${GOAL_RATIO}x) from the start`,
          )) +
      '\n\n',
  );
}

const argv = process.argv.slice(2);
const mode = option(argv, 'child', '');
if (mode === '') {
  await parent(argv);
} else {
  const result = await child(
    mode as ChildMode,
    Number(option(argv, 'window', '1000')),
    Number(option(argv, 'hold', '1000')),
    Number(option(argv, 'batch', '20000')),
    Number(option(argv, 'plain-steps', '100000')),
  );
  process.stdout.write(JSON.stringify(result) + '\n');
}
