/**
 * Time from `reload()` being called to the new code answering, for a ~1.5 MB plugin.
 *
 *   node dist/bench/reload-latency.js [--runs 3] [--reloads 50] [--functions 15000]
 *
 * Every version is built for real beforehand (so the build is not timed), in two configurations:
 * the default (inline source map, `sourceMaps: true`) and without source maps. A fresh child per
 * run then, for each version: puts its manifest and artifact in the plugin directory (not timed),
 * calls `reload()` and then `invoke('big', 'version')`, and checks the answer is the new version
 * (timed), then waits for the old generation to be freed (not timed). The first few reloads warm
 * the JIT and are not counted. A breakdown times the loader's steps on their own. During each
 * reload, monitorEventLoopDelay records the longest the event loop was blocked: with the default
 * loader the compile runs in a worker and the main thread only deserialises V8's code cache; the
 * second configuration compiles on the main thread, as the loader did before.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { manifestFileName, parseManifest } from '../src/artifact/manifest.js';
import { FunctionArtifactLoader, PluginManager } from '../src/index.js';
import { attachLazySourceMap, splitInlineSourceMap } from '../src/runtime/lazy-source-map.js';
import { buildBigPlugin, DEFAULT_FUNCTIONS, PLUGIN_NAME, versionTag, type BuiltPlugin } from './lib/big-plugin.js';
import { option, runChild } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { mb, median, quantile } from './lib/stats.js';
import { quiet } from './lib/quiet-logger.js';

const SELF = fileURLToPath(import.meta.url);
const WARMUP = 5;
const GOAL_MS = 10;
const STALL_GOAL_MS = 10;

interface Config {
  readonly name: string;
  readonly sourcemap: boolean;
  /** The default loader's compileOffThread: in a worker with a code cache (true, the default), or on the main thread. */
  readonly offThread: boolean;
  /** Fraction of --functions: a smaller plugin shows how the latency scales with size. */
  readonly scale: number;
}
const CONFIGS: readonly Config[] = [
  { name: 'default (inline source map, sourceMaps: true; compiled off the main thread)', sourcemap: true, offThread: true, scale: 1 },
  { name: 'compiled on the main thread (compileOffThread: false)', sourcemap: true, offThread: false, scale: 1 },
  { name: 'no source map (--no-sourcemap, sourceMaps: false)', sourcemap: false, offThread: true, scale: 1 },
  { name: 'default, a plugin 1/10 the size', sourcemap: true, offThread: true, scale: 0.1 },
];

interface ChildResult {
  /** reload() + first invoke, ms, one per counted reload. */
  readonly samples: number[];
  /** outcome.durationMs of the same reloads. */
  readonly durations: number[];
  /** The longest the event loop was blocked during each reload (ms), from monitorEventLoopDelay. */
  readonly stalls: number[];
  /** status().compile at the end. */
  readonly compile: unknown;
  /** Loader steps on their own, medians in ms. */
  readonly steps: { read: number; sha256: number; compile: number; evaluate: number };
}

/** Puts prebuilt version `dir` into `pluginDir` as a build would: artifact first, manifest renamed last. */
async function install(dir: string, pluginDir: string): Promise<string> {
  const manifestName = manifestFileName(PLUGIN_NAME);
  const manifest = parseManifest(await readFile(join(dir, manifestName), 'utf8'), manifestName);
  await copyFile(join(dir, manifest.artifact), join(pluginDir, manifest.artifact));
  await copyFile(join(dir, manifestName), join(pluginDir, `${manifestName}.tmp`));
  await rename(join(pluginDir, `${manifestName}.tmp`), join(pluginDir, manifestName));
  return manifest.artifact;
}

async function child(stageDir: string, versions: number, sourceMaps: boolean, offThread: boolean): Promise<ChildResult> {
  const pluginDir = await mkdtemp(join(tmpdir(), 'hotswap-bench-latency-'));
  try {
    let artifact = await install(join(stageDir, '0'), pluginDir);
    const loader = new FunctionArtifactLoader({ compileOffThread: offThread });
    const manager = new PluginManager({ pluginDir, freeDelay: 0, logger: quiet, sourceMaps, loader });
    const loaded = await manager.load();
    if (!loaded.ok) throw loaded.error;
    const samples: number[] = [];
    const durations: number[] = [];
    const stalls: number[] = [];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    for (let version = 1; version < versions; version++) {
      const next = await install(join(stageDir, String(version)), pluginDir);
      const freed = once(manager, 'freed');
      delay.reset();
      delay.enable();
      const startedAt = performance.now();
      const outcome = await manager.reload();
      const answer = manager.invoke(PLUGIN_NAME, 'version');
      const elapsed = performance.now() - startedAt;
      delay.disable();
      if (!outcome.ok) throw outcome.error;
      if (answer !== versionTag(version)) throw new Error(`version ${version} is not serving`);
      if (version > WARMUP) {
        samples.push(elapsed);
        durations.push(outcome.durationMs);
        // The histogram's max: how late its 1 ms timer fired at worst, the loop's longest block.
        stalls.push(delay.max / 1e6);
      }
      await freed;
      await rm(join(pluginDir, artifact));
      artifact = next;
    }
    const compile = manager.status().compile ?? loader.counts;
    await manager.close();
    return { samples, durations, stalls, compile, steps: await loaderSteps(stageDir, Math.min(versions, 12)) };
  } finally {
    await rm(pluginDir, { recursive: true, force: true });
  }
}

/** What the default loader does, step by step, on prebuilt versions (medians, ms). */
async function loaderSteps(stageDir: string, versions: number): Promise<ChildResult['steps']> {
  const read: number[] = [];
  const sha: number[] = [];
  const compile: number[] = [];
  const evaluate: number[] = [];
  for (let version = 0; version < versions; version++) {
    const dir = join(stageDir, String(version));
    const manifestName = manifestFileName(PLUGIN_NAME);
    const manifest = parseManifest(await readFile(join(dir, manifestName), 'utf8'), manifestName);
    let t = performance.now();
    const bytes = await readFile(join(dir, manifest.artifact));
    read.push(performance.now() - t);
    t = performance.now();
    createHash('sha256').update(bytes).digest('hex');
    sha.push(performance.now() - t);
    t = performance.now();
    const sourceURL = join(dir, `${PLUGIN_NAME}.js`);
    const { code, mapUrl } = splitInlineSourceMap(bytes.toString('utf8'));
    const source = `${code}\n//# sourceURL=${sourceURL}`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- timing what the loader does
    const body = new Function('module', 'exports', 'require', '__filename', '__dirname', source) as (...args: unknown[]) => void;
    if (mapUrl !== undefined) attachLazySourceMap(sourceURL, mapUrl);
    compile.push(performance.now() - t);
    t = performance.now();
    const module = { exports: {} as Record<string, unknown> };
    body(module, module.exports, undefined, '', '');
    evaluate.push(performance.now() - t);
  }
  return { read: median(read), sha256: median(sha), compile: median(compile), evaluate: median(evaluate) };
}

async function parent(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '3'));
  const reloads = Number(option(argv, 'reloads', '50'));
  const functions = Number(option(argv, 'functions', String(DEFAULT_FUNCTIONS)));
  const versions = 1 + WARMUP + reloads;
  const work = await mkdtemp(join(tmpdir(), 'hotswap-bench-'));
  try {
    const rows: string[][] = [];
    let defaultMedian: number | undefined;
    let mainThreadMedian: number | undefined;
    let built: BuiltPlugin | undefined;
    let sourceBytes = 0;
    const steps: string[] = [];
    const stallsOf = new Map<boolean, number[]>();
    const compileCounts: string[] = [];
    for (const [index, config] of CONFIGS.entries()) {
      const stageDir = join(work, `stage-${index}`);
      process.stderr.write(`building ${versions} versions (${config.name})...\n`);
      for (let version = 0; version < versions; version++) {
        const result = await buildBigPlugin(join(work, 'src'), join(stageDir, String(version)), version, {
          functions: Math.round(functions * config.scale),
          sourcemap: config.sourcemap,
        });
        if (version === 0) built = result;
      }
      if (index === 0) sourceBytes = built?.sourceBytes ?? 0;
      const results: ChildResult[] = [];
      for (let run = 1; run <= runs; run++) {
        process.stderr.write(`run ${run}/${runs}: ${reloads} reloads...\n`);
        results.push(
          await runChild<ChildResult>(SELF, ['--child', stageDir, '--versions', String(versions), '--source-maps', String(config.sourcemap), '--off-thread', String(config.offThread)]),
        );
      }
      const medians = results.map((r) => median(r.samples));
      const p90s = results.map((r) => quantile(r.samples, 0.9));
      if (index === 0) defaultMedian = median(medians);
      if (!config.offThread) mainThreadMedian = median(medians);
      rows.push([
        config.name,
        built === undefined ? '?' : mb(built.artifactBytes),
        `${median(medians).toFixed(1)} ms`,
        `${median(p90s).toFixed(1)} ms`,
        `${Math.max(...results.flatMap((r) => r.samples)).toFixed(1)} ms`,
        `${median(results.map((r) => median(r.durations))).toFixed(1)} ms`,
        `${median(results.map((r) => median(r.stalls))).toFixed(1)} ms`,
        `${Math.max(...results.flatMap((r) => r.stalls)).toFixed(1)} ms`,
        medians.map((m) => m.toFixed(1)).join(', '),
      ]);
      if (config.scale === 1 && config.sourcemap) stallsOf.set(config.offThread, results.flatMap((r) => r.stalls));
      compileCounts.push(`${config.name}: status().compile ${JSON.stringify(results.at(-1)?.compile)}`);
      const s = results.map((r) => r.steps);
      if (config.scale !== 1 || !config.offThread) continue;
      steps.push(
        `loader steps, ${config.sourcemap ? 'with' : 'without'} source map (medians): read ${median(s.map((x) => x.read)).toFixed(1)} ms, ` +
          `sha256 ${median(s.map((x) => x.sha256)).toFixed(1)} ms, new Function ${median(s.map((x) => x.compile)).toFixed(1)} ms, ` +
          `evaluate ${median(s.map((x) => x.evaluate)).toFixed(1)} ms`,
      );
    }
    printTable(
      'reload-latency: reload() called until the new code answers, ~1.5 MB plugin',
      [
        `plugin: ${functions} functions, ${mb(sourceBytes)} of TypeScript source, every version built for real beforehand`,
        `${reloads} timed reloads per run after ${WARMUP} warm-up reloads; ${runs} runs, each in a fresh child; medians across runs`,
        'stall: the longest the event loop was blocked during a reload (monitorEventLoopDelay, 1 ms resolution), median and max over the reloads',
        ...steps,
        ...compileCounts,
      ],
      ['configuration', 'artifact', 'median', 'p90', 'max', 'reload() durationMs (median)', 'stall median', 'stall max', 'run medians'],
      rows,
    );
    if (defaultMedian !== undefined && mainThreadMedian !== undefined) {
      process.stdout.write(
        goalLine('reload() to new code, compiled off the main thread vs on it', defaultMedian <= mainThreadMedian, `${defaultMedian.toFixed(1)} ms vs ${mainThreadMedian.toFixed(1)} ms`, '<= the main-thread compile') + '\n',
      );
    }
    const offStalls = stallsOf.get(true) ?? [];
    const mainStalls = stallsOf.get(false) ?? [];
    if (offStalls.length > 0 && mainStalls.length > 0) {
      const p99 = quantile(offStalls, 0.99);
      process.stdout.write(goalLine('longest event-loop stall during a reload, 1.5 MB plugin (p99 of reloads)', p99 <= STALL_GOAL_MS, `${p99.toFixed(1)} ms (on the main thread: ${quantile(mainStalls, 0.99).toFixed(1)} ms)`, `<= ${STALL_GOAL_MS} ms`) + '\n');
    }
    if (defaultMedian !== undefined) {
      process.stdout.write(goalLine('median reload latency, default build', defaultMedian < GOAL_MS, `${defaultMedian.toFixed(1)} ms`, '< 10 ms') + '\n\n');
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const stageDir = option(argv, 'child', '');
if (stageDir === '') {
  await parent(argv);
} else {
  const result = await child(stageDir, Number(option(argv, 'versions', '0')), option(argv, 'source-maps', 'true') === 'true', option(argv, 'off-thread', 'true') === 'true');
  process.stdout.write(JSON.stringify(result) + '\n');
}
