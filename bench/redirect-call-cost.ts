/**
 * What redirection's instrumentation costs per call: a function as written, the same function
 * instrumented by hotswap's loader and never patched (its stub looks up an empty slot), and
 * instrumented after a patch (its stub forwards to the new code in the slot).
 *
 *   node dist/bench/redirect-call-cost.js [--children 2] [--runs 9] [--calls 10000000]
 *
 * Two kinds of function, in a small ES module:
 * - top-level: `export function add(x) { return x + 1; }`;
 * - closure: the function `makeAdder(step)` returns, `function (x) { return x + step; }`, which
 *   uses a captured variable (created once, before any patch; a patched closure's stub hands its
 *   captured variables over to the new code in an object of getters, made on each call).
 * The patch rewrites both (`1 + x`, `step + x`: the same results, so one checksum serves every
 * way) and a third function, `version()`, whose new result shows the patch took.
 *
 * Two kinds of child process, --children of each, interleaved:
 * - with the loader (`--import <hotswap>/dist/src/typescript/register.js`): the module is
 *   instrumented as it loads; an identical copy under `node_modules/` (which the loader leaves as
 *   it is) gives the plain figures in the same process; the patch goes through redirection;
 * - without it: nothing is instrumented; the patch goes through LiveEdit (the function's code
 *   replaced in place), for comparison.
 * In each child every way is a loop of --calls calls (fewer for a way so slow that they would take
 * more than 150 ms, sized in the warm-up) summing the results (checked, so the JIT keeps
 * every call), one loop function per way so each call site stays monomorphic. Before the patch:
 * the plain and unpatched ways, one warm-up round and --runs rounds in rotating order; then the
 * patch, and the same again for the plain and patched ways. The table gives, per way, the median
 * over every round of every child of ns per call, and the overhead over the plain function of the
 * same kind measured in the same phase of the same children.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHotfixEngine, type HotfixBackend } from '../src/hotfix/index.js';
import { option, runChild } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { median } from './lib/stats.js';
import { quiet } from './lib/quiet-logger.js';

const SELF = fileURLToPath(import.meta.url);
const REGISTER = fileURLToPath(new URL('../src/typescript/register.js', import.meta.url));
const GOAL_NS = 2;
/** A measurement of a slow way is cut to about this long (the patched closure takes microseconds a call). */
const MAX_MS = 150;

type Fn = (x: number) => number;

interface Target {
  readonly add: Fn;
  readonly makeAdder: (step: number) => Fn;
  readonly version: () => string;
}

function targetSource(patched: boolean): string {
  return (
    `export function add(x) {\n  return ${patched ? '1 + x' : 'x + 1'};\n}\n\n` +
    `export function makeAdder(step) {\n  return function (x) {\n    return ${patched ? 'step + x' : 'x + step'};\n  };\n}\n\n` +
    `export function version() {\n  return '${patched ? 'v1' : 'v0'}';\n}\n`
  );
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

// One loop per way, so each call site's feedback stays monomorphic.
function loopPlainTop(fn: Fn, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}
function loopPlainClosure(fn: Fn, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}
function loopTop(fn: Fn, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}
function loopClosure(fn: Fn, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}
function loopPatchedTop(fn: Fn, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}
function loopPatchedClosure(fn: Fn, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}

type WayName = 'plain top-level' | 'plain closure' | 'top-level' | 'closure' | 'patched top-level' | 'patched closure';

interface ChildResult {
  readonly backend: HotfixBackend;
  /** ns per call, one entry per round, by way; the plain ways twice: before and after the patch. */
  readonly before: Partial<Record<WayName, number[]>>;
  readonly after: Partial<Record<WayName, number[]>>;
  readonly checksum: number;
}

async function child(loader: boolean, runs: number, calls: number): Promise<ChildResult> {
  const dir = await mkdtemp(join(tmpdir(), 'hotswap-bench-call-cost-'));
  try {
    const file = join(dir, 'target.mjs');
    const original = targetSource(false);
    await writeFile(file, original);
    // The same code where the loader does not instrument: the plain figures.
    const plainFile = join(dir, 'node_modules', 'plain-target', 'index.mjs');
    await mkdir(join(dir, 'node_modules', 'plain-target'), { recursive: true });
    await writeFile(plainFile, original);
    const target = (await import(pathToFileURL(file).href)) as Target;
    const plain = (await import(pathToFileURL(plainFile).href)) as Target;
    const closure = target.makeAdder(1);
    const plainClosure = plain.makeAdder(1);

    let checksum = 0;
    const rounds = (ways: ReadonlyArray<[WayName, (calls: number) => number]>): Partial<Record<WayName, number[]>> => {
      const samples: Partial<Record<WayName, number[]>> = {};
      // Calls per measurement, by way: --calls, or fewer for a slow way (at most ~MAX_MS a measurement).
      const counts = new Map<WayName, number>();
      const measure = ([name, run]: [WayName, (calls: number) => number], n = counts.get(name) ?? calls): number => {
        const startedAt = performance.now();
        const sum = run(n);
        const ns = ((performance.now() - startedAt) * 1e6) / n;
        const expected = (n * (n + 1)) / 2; // the sum of i + 1 for i < n
        if (sum !== expected) throw new Error(`${name}: sum ${sum}, expected ${expected}`);
        checksum += sum;
        return ns;
      };
      // Warm-up, which also sizes the measurements.
      for (const way of ways) {
        measure(way, Math.ceil(calls / 100));
        const ns = measure(way, Math.ceil(calls / 10));
        counts.set(way[0], Math.max(1000, Math.min(calls, Math.round((MAX_MS * 1e6) / ns))));
        measure(way);
      }
      for (let round = 0; round < runs; round++) {
        for (let k = 0; k < ways.length; k++) {
          const way = ways[(round + k) % ways.length] as [WayName, (calls: number) => number];
          (samples[way[0]] ??= []).push(measure(way));
        }
      }
      return samples;
    };

    const before = rounds([
      ['plain top-level', (n) => loopPlainTop(plain.add, n)],
      ['plain closure', (n) => loopPlainClosure(plainClosure, n)],
      ['top-level', (n) => loopTop(target.add, n)],
      ['closure', (n) => loopClosure(closure, n)],
    ]);

    const engine = createHotfixEngine({ logger: quiet });
    const backend: HotfixBackend = loader ? 'redirect' : 'liveedit';
    const outcome = await engine.apply({ version: 'v1', files: [{ file, baseHash: sha256(original), source: targetSource(true) }] });
    if (!outcome.ok) throw new Error(`the apply failed: ${outcome.error.message}`);
    if (outcome.functions.length !== 3 || outcome.functions.some((f) => f.backend !== backend)) {
      throw new Error(`the apply did not patch 3 functions through ${backend}: ${JSON.stringify(outcome.functions)}`);
    }
    if (target.version() !== 'v1' || plain.version() !== 'v0') throw new Error('the patch did not take');
    await engine.close();

    const after = rounds([
      ['plain top-level', (n) => loopPlainTop(plain.add, n)],
      ['plain closure', (n) => loopPlainClosure(plainClosure, n)],
      ['patched top-level', (n) => loopPatchedTop(target.add, n)],
      ['patched closure', (n) => loopPatchedClosure(closure, n)],
    ]);
    return { backend, before, after, checksum };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function parent(argv: readonly string[]): Promise<void> {
  const children = Number(option(argv, 'children', '2'));
  const runs = Number(option(argv, 'runs', '9'));
  const calls = Number(option(argv, 'calls', '10000000'));
  const withLoader: ChildResult[] = [];
  const without: ChildResult[] = [];
  let liveEditGone = false;
  for (let n = 1; n <= children; n++) {
    const args = ['--runs', String(runs), '--calls', String(calls)];
    process.stderr.write(`child ${n}/${children}: with the loader...\n`);
    withLoader.push(await runChild<ChildResult>(SELF, ['--child', 'loader', ...args], ['--import', pathToFileURL(REGISTER).href]));
    process.stderr.write(`child ${n}/${children}: without the loader...\n`);
    try {
      without.push(await runChild<ChildResult>(SELF, ['--child', 'plain', ...args]));
    } catch (error) {
      // Node 26 has no LiveEdit any more (setScriptSource is gone): those rows are left out.
      const message = error instanceof Error ? error.message : String(error);
      if (!/setScriptSource functionality no longer available/.test(message)) throw error;
      liveEditGone = true;
    }
  }

  const all = (of: ChildResult[], phase: 'before' | 'after', way: WayName): number[] => of.flatMap((r) => r[phase][way] ?? []);
  const rows: string[][] = [];
  const overheads: Array<[string, number]> = [];
  for (const [label, of] of [['loader (redirection)', withLoader], ['no loader (LiveEdit)', without]] as const) {
    if (of.length === 0) continue;
    for (const kind of ['top-level', 'closure'] as const) {
      const plainWay: WayName = kind === 'top-level' ? 'plain top-level' : 'plain closure';
      const ways: Array<[string, 'before' | 'after', WayName]> = [
        ['as written', 'before', plainWay],
        [of === withLoader ? 'instrumented, never patched' : 'loaded as is, never patched', 'before', kind],
        [of === withLoader ? 'instrumented, patched (forwards)' : 'patched by LiveEdit', 'after', kind === 'top-level' ? 'patched top-level' : 'patched closure'],
      ];
      for (const [name, phase, way] of ways) {
        const ns = median(all(of, phase, way));
        const base = median(all(of, phase, plainWay));
        const overhead = ns - base;
        if (of === withLoader && way !== plainWay) overheads.push([`${kind}, ${name}`, overhead]);
        rows.push([
          label,
          kind,
          name,
          ns.toFixed(2),
          way === plainWay ? '-' : `${overhead >= 0 ? '+' : ''}${overhead.toFixed(2)}`,
          way === plainWay ? '-' : `${(ns / base).toFixed(2)}x`,
          of.map((r) => median(r[phase][way] ?? []).toFixed(2)).join(', '),
        ]);
      }
    }
  }
  printTable(
    'redirect-call-cost: ns per call of an instrumented function, never patched and patched, vs the function as written',
    [
      'top-level: `function add(x) { return x + 1; }`; closure: `function (x) { return x + step; }` returned by makeAdder(step), made before the patch',
      'loader: child started with --import hotswap/register, the module instrumented, the plain figures from an identical copy under node_modules/ (not instrumented), the patch through redirection; ' +
        'no loader: nothing instrumented, the patch through LiveEdit',
      `${calls.toLocaleString('en')} calls per measurement; ${children} children of each kind, each one warm-up round and ${runs} rounds in rotating order; ` +
        'medians over every round of every child; overhead and ratio against the plain function of the same kind, same phase (before or after the patch), same children',
      `checksums ${[...withLoader, ...without].map((r) => r.checksum).join(', ')}`,
      ...(liveEditGone ? ['no loader (LiveEdit) left out: this Node has no LiveEdit (Debugger.setScriptSource is no longer available)'] : []),
    ],
    ['process', 'function', 'way', 'ns per call', 'overhead (ns)', 'vs as written', 'child medians (ns)'],
    rows,
  );
  process.stdout.write(
    overheads
      .map(([name, overhead]) => goalLine(`per-call cost, ${name}`, overhead <= GOAL_NS, `${overhead >= 0 ? '+' : ''}${overhead.toFixed(2)} ns`, `<= ${GOAL_NS} ns over a direct call`))
      .join('\n') + '\n\n',
  );
}

const argv = process.argv.slice(2);
const mode = option(argv, 'child', '');
if (mode === '') {
  await parent(argv);
} else {
  const result = await child(mode === 'loader', Number(option(argv, 'runs', '9')), Number(option(argv, 'calls', '10000000')));
  process.stdout.write(JSON.stringify(result) + '\n');
}
