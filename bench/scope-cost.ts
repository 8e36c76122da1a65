/**
 * What a plugin version's resource scope costs (src/runtime/resource-scope.ts): a plugin's
 * `setTimeout`, `setInterval`, `setImmediate` and `process` are the scope's, which record what
 * the version starts so that freeing it can stop it. Measured against the globals, in one run:
 * - a timer set and cleared (`setTimeout` + `clearTimeout`), and an interval set and cleared;
 * - a timer that fires (`setImmediate`, the scope's wrapper removes it from its set as it runs);
 * - a property read through the scoped `process` (`process.env`, a Proxy) and a listener added and
 *   removed (`process.on` + `process.off`).
 * Plugin calls are not in the table: the scope adds nothing to the call path (`invoke`, `find()`'s
 * functions), see bench/invoke-overhead.ts.
 *
 *   node dist/bench/scope-cost.js [--runs 7] [--count 200000]
 */
import { performance } from 'node:perf_hooks';
import { ResourceScope } from '../src/runtime/resource-scope.js';
import { option } from './lib/child.js';
import { printTable } from './lib/report.js';
import { median } from './lib/stats.js';

const RUNS = Number(option(process.argv, 'runs', '7'));
const COUNT = Number(option(process.argv, 'count', '200000'));

interface Timers {
  setTimeout: (cb: () => void, ms?: number) => NodeJS.Timeout;
  clearTimeout: (t: NodeJS.Timeout) => void;
  setInterval: (cb: () => void, ms?: number) => NodeJS.Timeout;
  clearInterval: (t: NodeJS.Timeout) => void;
  setImmediate: (cb: () => void) => NodeJS.Immediate;
  process: NodeJS.Process;
}

const noop = (): void => undefined;
const globals: Timers = { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, process };

/** ns per operation of `work`, run over COUNT operations. */
function timeSync(work: (count: number) => number): number {
  const started = performance.now();
  const sink = work(COUNT);
  const ns = ((performance.now() - started) * 1e6) / COUNT;
  if (sink === -1) console.log(sink); // keeps the result alive
  return ns;
}

const ways: Record<string, (t: Timers) => Promise<number> | number> = {
  'setTimeout + clearTimeout': (t) =>
    timeSync((n) => {
      for (let i = 0; i < n; i++) t.clearTimeout(t.setTimeout(noop, 60_000));
      return n;
    }),
  'setInterval + clearInterval': (t) =>
    timeSync((n) => {
      for (let i = 0; i < n; i++) t.clearInterval(t.setInterval(noop, 60_000));
      return n;
    }),
  'setImmediate, fired': async (t) => {
    const started = performance.now();
    let left = COUNT;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        if (--left === 0) resolve();
      };
      for (let i = 0; i < COUNT; i++) t.setImmediate(done);
    });
    return ((performance.now() - started) * 1e6) / COUNT;
  },
  'process.env read': (t) =>
    timeSync((n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += t.process.env === undefined ? 0 : 1;
      return sum;
    }),
  'process.on + process.off': (t) =>
    timeSync((n) => {
      for (let i = 0; i < n; i++) t.process.on('hotswap-bench', noop).off('hotswap-bench', noop);
      return n;
    }),
};

const rows: string[][] = [];
for (const [name, measure] of Object.entries(ways)) {
  const scope = new ResourceScope('bench@1');
  const scoped: Timers = scope;
  await measure(globals);
  await measure(scoped); // warm-up of both
  const plain: number[] = [];
  const inScope: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Alternating, so a slower moment of the machine hits both.
    plain.push(await measure(globals));
    inScope.push(await measure(scoped));
  }
  await scope.dispose();
  const a = median(plain);
  const b = median(inScope);
  rows.push([name, a.toFixed(1), b.toFixed(1), `+${(b - a).toFixed(1)}`, `${(b / a).toFixed(2)}×`]);
}

printTable(
  `resource scope: cost per operation, ${COUNT} operations, median of ${RUNS} runs`,
  ['global: the functions a plugin gets without a scope; scope: what the default loader passes each version', 'a plugin call goes through no scope: its cost is unchanged (bench/invoke-overhead.ts)'],
  ['operation', 'global ns', 'scope ns', 'added ns', 'ratio'],
  rows,
);
