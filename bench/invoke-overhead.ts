/**
 * What a plugin call through the manager costs compared with calling the function directly.
 *
 *   node dist/bench/invoke-overhead.js [--runs 7] [--calls 5000000]
 *
 * A tiny plugin (`add(x) = x + 1`, built for real) is loaded, and its `add` is called `calls`
 * times in a loop, five ways: directly (the function object itself, handed out by the plugin),
 * `manager.invoke('p', 'add', x)`, `manager.find('p').functions.add(x)` on every call, through a
 * handle kept from one `find()`, and `invoke` inside `manager.pin()`. Each loop sums the results
 * into a value that is printed, so the JIT cannot drop the calls. Every way runs once to warm up,
 * then `runs` times in rotating order; the table gives medians of ns per call.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildPlugins } from '../src/build/index.js';
import { PluginManager } from '../src/index.js';
import { option } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { median } from './lib/stats.js';

type Add = (x: number) => number;
const GOAL_NS = 20;

const PLUGIN = `import { definePlugin } from 'hotswap/plugin';
function add(x: number): number {
  return x + 1;
}
export default definePlugin({ functions: { add, direct: () => add } });
`;

// One loop per way, so each call site's feedback stays monomorphic.
function loopDirect(fn: Add, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}

function loopHandle(fn: Add, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += fn(i);
  return sum;
}

function loopInvoke(manager: PluginManager, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += manager.invoke<number>('p', 'add', i);
  return sum;
}

function loopFind(manager: PluginManager, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += (manager.find('p').functions.add as Add)(i);
  return sum;
}

function loopInvokePinned(manager: PluginManager, calls: number): number {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += manager.invoke<number>('p', 'add', i);
  return sum;
}

interface Way {
  readonly name: string;
  readonly run: (calls: number) => number | Promise<number>;
}

async function main(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '7'));
  const calls = Number(option(argv, 'calls', '5000000'));
  const work = await mkdtemp(join(tmpdir(), 'hotswap-bench-invoke-'));
  try {
    await mkdir(join(work, 'src', 'p'), { recursive: true });
    await writeFile(join(work, 'src', 'p', 'index.ts'), PLUGIN);
    await buildPlugins({ pluginDirs: [join(work, 'src', 'p')], outDir: join(work, 'out') });
    const manager = new PluginManager({ pluginDir: join(work, 'out') });
    const loaded = await manager.load();
    if (!loaded.ok) throw loaded.error;
    const add = manager.invoke<Add>('p', 'direct');
    const handle = manager.find('p').functions.add as Add;

    const ways: Way[] = [
      { name: 'direct call of the function', run: (n) => loopDirect(add, n) },
      { name: "manager.invoke('p', 'add', x)", run: (n) => loopInvoke(manager, n) },
      { name: "manager.find('p').functions.add(x)", run: (n) => loopFind(manager, n) },
      { name: "handle = find('p') once; handle.functions.add(x)", run: (n) => loopHandle(handle, n) },
      { name: 'manager.invoke(...) inside manager.pin()', run: (n) => manager.pin(() => loopInvokePinned(manager, n)) },
    ];
    const expected = (calls * (calls + 1)) / 2; // sum of i + 1 for i < calls
    let sink = 0;
    const measure = async (way: Way): Promise<number> => {
      const startedAt = performance.now();
      const sum = await way.run(calls);
      const ns = ((performance.now() - startedAt) * 1e6) / calls;
      if (sum !== expected) throw new Error(`${way.name}: sum ${sum}, expected ${expected}`);
      sink += sum;
      return ns;
    };

    for (const way of ways) await measure(way); // warm-up
    const samples = new Map<Way, number[]>(ways.map((w) => [w, []]));
    for (let run = 0; run < runs; run++) {
      for (let k = 0; k < ways.length; k++) {
        const way = ways[(run + k) % ways.length] as Way;
        samples.get(way)?.push(await measure(way));
      }
    }
    await manager.close();

    const direct = median(samples.get(ways[0] as Way) ?? []);
    const rows = ways.map((way) => {
      const values = samples.get(way) ?? [];
      const ns = median(values);
      return [
        way.name,
        ns.toFixed(1),
        way === ways[0] ? '-' : `+${(ns - direct).toFixed(1)}`,
        values.map((v) => v.toFixed(1)).join(', '),
      ];
    });
    printTable(
      'invoke-overhead: ns per call, plugin call vs direct call',
      [`${calls.toLocaleString('en')} calls per measurement, ${runs} runs in rotating order after one warm-up; medians`, `checksum ${sink}`],
      ['way', 'ns per call', 'overhead vs direct (ns)', 'runs'],
      rows,
    );
    const invokeOverhead = median(samples.get(ways[1] as Way) ?? []) - direct;
    process.stdout.write(goalLine('manager.invoke overhead', invokeOverhead < GOAL_NS, `+${invokeOverhead.toFixed(1)} ns`, '< 20 ns') + '\n\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
