/**
 * Heap kept after many reloads of a large plugin, hotswap against ESM cache-busting.
 *
 *   node dist/bench/reload-memory.js [--runs 3] [--reloads 1000] [--esm-loads 200] [--functions 15000]
 *
 * One real build (esbuild, default settings: inline source map) of a ~1.5 MB plugin is the template;
 * version N is that artifact with its version constant rewritten (see lib/big-plugin.ts), so every
 * version's source differs. Each measurement runs in a fresh child with --expose-gc:
 * - hotswap: load version 0, then `reload()` to versions 1..N one after another with freeDelay 0,
 *   waiting each time for the old generation's 'freed' event;
 * - esm: `import('big.mjs?v=N')` of the same code as an ES module, N times (fewer: every version
 *   stays in memory, so 1,000 would need gigabytes of heap).
 * The heap is weighed after full collections, with version 0 loaded and again after the last one.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PluginManager } from '../src/index.js';
import { buildBigPlugin, DEFAULT_FUNCTIONS, esmVariant, PLUGIN_NAME, readTemplate, versionTag, writeVariant } from './lib/big-plugin.js';
import { option, runChild, settledHeap } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { mb, median, signedMb } from './lib/stats.js';
import { quiet } from './lib/quiet-logger.js';

const SELF = fileURLToPath(import.meta.url);
/** The same generous heap for both mechanisms, so neither is limited by the default. */
const HEAP_MB = 4096;
const GOAL_BYTES = 10e6;

export interface ChildResult {
  readonly mechanism: string;
  readonly loads: number;
  readonly before: number;
  readonly after: number;
  readonly ms: number;
  /** hotswap only: generations not freed at the end (should be 0). */
  readonly retired?: number;
}

async function hotswapChild(templateDir: string, reloads: number): Promise<ChildResult> {
  const template = await readTemplate(templateDir);
  const pluginDir = await mkdtemp(join(tmpdir(), 'hotswap-bench-memory-'));
  try {
    let artifact = await writeVariant(template, pluginDir, 0);
    const manager = new PluginManager({ pluginDir, freeDelay: 0, logger: quiet });
    const loaded = await manager.load();
    if (!loaded.ok) throw loaded.error;
    let checksum = manager.invoke<number>(PLUGIN_NAME, 'run', 1);
    const before = await settledHeap();
    const startedAt = performance.now();
    for (let version = 1; version <= reloads; version++) {
      const next = await writeVariant(template, pluginDir, version);
      const freed = once(manager, 'freed');
      const outcome = await manager.reload();
      if (!outcome.ok) throw outcome.error;
      if (manager.invoke(PLUGIN_NAME, 'version') !== versionTag(version)) throw new Error(`version ${version} is not serving`);
      checksum += manager.invoke<number>(PLUGIN_NAME, 'run', version);
      await freed;
      await rm(join(pluginDir, artifact));
      artifact = next;
    }
    const ms = performance.now() - startedAt;
    const after = await settledHeap();
    const retired = manager.status().retired.length;
    await manager.close();
    if (!Number.isFinite(checksum)) throw new Error('bad checksum');
    return { mechanism: 'hotswap', loads: reloads, before, after, ms, retired };
  } finally {
    await rm(pluginDir, { recursive: true, force: true });
  }
}

async function esmChild(templateDir: string, loads: number): Promise<ChildResult> {
  const template = await readTemplate(templateDir);
  const dir = await mkdtemp(join(tmpdir(), 'hotswap-bench-esm-'));
  try {
    const file = join(dir, 'big.mjs');
    const url = pathToFileURL(file).href;
    const load = async (version: number): Promise<number> => {
      await writeFile(file, esmVariant(template, version));
      const plugin = ((await import(`${url}?v=${version}`)) as { default: { functions: Record<string, (x?: number) => unknown> } }).default;
      if (plugin.functions.version?.() !== versionTag(version)) throw new Error(`version ${version} did not load`);
      return plugin.functions.run?.(version) as number;
    };
    let checksum = await load(0);
    const before = await settledHeap();
    const startedAt = performance.now();
    for (let version = 1; version <= loads; version++) checksum += await load(version);
    const ms = performance.now() - startedAt;
    const after = await settledHeap();
    if (!Number.isFinite(checksum)) throw new Error('bad checksum');
    return { mechanism: 'esm', loads, before, after, ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function parent(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '3'));
  const reloads = Number(option(argv, 'reloads', '1000'));
  const esmLoads = Number(option(argv, 'esm-loads', '200'));
  const functions = Number(option(argv, 'functions', String(DEFAULT_FUNCTIONS)));
  const work = await mkdtemp(join(tmpdir(), 'hotswap-bench-'));
  try {
    const templateDir = join(work, 'template');
    const built = await buildBigPlugin(join(work, 'src'), templateDir, 0, { functions });
    const results: ChildResult[] = [];
    for (let run = 1; run <= runs; run++) {
      for (const [mechanism, n] of [['hotswap', reloads], ['esm', esmLoads]] as const) {
        process.stderr.write(`run ${run}/${runs}: ${mechanism} x ${n}...\n`);
        const nodeArgs = ['--expose-gc', `--max-old-space-size=${HEAP_MB}`];
        try {
          results.push(await runChild<ChildResult>(SELF, ['--child', mechanism, '--template', templateDir, '--loads', String(n)], nodeArgs));
        } catch (error) {
          process.stderr.write(`  failed: ${(error as Error).message}\n`);
        }
      }
    }
    const rows: string[][] = [];
    const summary = new Map<string, number>();
    for (const mechanism of ['hotswap', 'esm']) {
      const of = results.filter((r) => r.mechanism === mechanism);
      const expected = mechanism === 'hotswap' ? reloads : esmLoads;
      if (of.length === 0) {
        rows.push([mechanism === 'hotswap' ? 'hotswap reload()' : "import('…?v=N')", String(expected), '-', '-', 'every run failed', '-', '-', `0/${runs}`]);
        continue;
      }
      const growth = median(of.map((r) => r.after - r.before));
      summary.set(mechanism, growth / expected);
      if (mechanism === 'hotswap') summary.set('hotswap-total', growth);
      rows.push([
        mechanism === 'hotswap' ? 'hotswap reload(), freeDelay 0' : "import('big.mjs?v=N')",
        String(expected),
        mb(median(of.map((r) => r.before))),
        mb(median(of.map((r) => r.after))),
        signedMb(growth),
        `${(growth / expected / 1e3).toFixed(1)} kB`,
        `${median(of.map((r) => r.ms / r.loads)).toFixed(1)} ms`,
        `${of.length}/${runs}${mechanism === 'hotswap' ? `, ${Math.max(...of.map((r) => r.retired ?? 0))} unfreed` : ''}`,
      ]);
    }
    const hotswapGrowth = summary.get('hotswap-total');
    const perHotswap = summary.get('hotswap');
    const perEsm = summary.get('esm');
    printTable(
      'reload-memory: heap kept after many reloads of a ~1.5 MB plugin',
      [
        `plugin: ${functions} functions, ${mb(built.sourceBytes)} of TypeScript source; artifact ${mb(built.artifactBytes)} (default build: inline source map)`,
        `every version differs (a rewritten constant); heap = heapUsed after full GCs, medians of ${runs} runs, each in a fresh child with --expose-gc --max-old-space-size=${HEAP_MB}`,
        `the ESM row loads ${esmLoads} versions, not ${reloads}: each one stays in memory for good`,
      ],
      ['mechanism', 'loads', 'heap before', 'heap after', 'growth', 'growth per load', 'time per load', 'runs ok'],
      rows,
    );
    if (perHotswap !== undefined && perEsm !== undefined) {
      // A ratio over a growth within noise (a few kB) would be meaningless: say both figures.
      const ratio = perHotswap > 1e3 ? `, ${(perEsm / perHotswap).toFixed(0)}x as much` : '';
      process.stdout.write(
        `per load: import() keeps ${(perEsm / 1e6).toFixed(2)} MB, hotswap ${(perHotswap / 1e3).toFixed(1)} kB${ratio}\n`,
      );
    }
    if (hotswapGrowth !== undefined) {
      process.stdout.write(goalLine(`hotswap heap growth after ${reloads} reloads`, hotswapGrowth < GOAL_BYTES, signedMb(hotswapGrowth), '< 10 MB') + '\n\n');
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const child = option(argv, 'child', '');
if (child === '') {
  await parent(argv);
} else {
  const templateDir = option(argv, 'template', '');
  const loads = Number(option(argv, 'loads', '0'));
  const result = child === 'hotswap' ? await hotswapChild(templateDir, loads) : await esmChild(templateDir, loads);
  process.stdout.write(JSON.stringify(result) + '\n');
}
