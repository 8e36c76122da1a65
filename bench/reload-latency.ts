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
 * the JIT and are not counted. A breakdown times the loader's steps on their own.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { manifestFileName, parseManifest } from '../src/artifact/manifest.js';
import { PluginManager } from '../src/index.js';
import { attachLazySourceMap, splitInlineSourceMap } from '../src/runtime/lazy-source-map.js';
import { buildBigPlugin, DEFAULT_FUNCTIONS, PLUGIN_NAME, versionTag, type BuiltPlugin } from './lib/big-plugin.js';
import { option, runChild } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { mb, median, quantile } from './lib/stats.js';
import { quiet } from './lib/quiet-logger.js';

const SELF = fileURLToPath(import.meta.url);
const WARMUP = 5;
const GOAL_MS = 10;

interface Config {
  readonly name: string;
  readonly sourcemap: boolean;
  /** Fraction of --functions: a smaller plugin shows how the latency scales with size. */
  readonly scale: number;
}
const CONFIGS: readonly Config[] = [
  { name: 'default (inline source map, sourceMaps: true)', sourcemap: true, scale: 1 },
  { name: 'no source map (--no-sourcemap, sourceMaps: false)', sourcemap: false, scale: 1 },
  { name: 'default, a plugin 1/10 the size', sourcemap: true, scale: 0.1 },
];

interface ChildResult {
  /** reload() + first invoke, ms, one per counted reload. */
  readonly samples: number[];
  /** outcome.durationMs of the same reloads. */
  readonly durations: number[];
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

async function child(stageDir: string, versions: number, sourceMaps: boolean): Promise<ChildResult> {
  const pluginDir = await mkdtemp(join(tmpdir(), 'hotswap-bench-latency-'));
  try {
    let artifact = await install(join(stageDir, '0'), pluginDir);
    const manager = new PluginManager({ pluginDir, freeDelay: 0, logger: quiet, sourceMaps });
    const loaded = await manager.load();
    if (!loaded.ok) throw loaded.error;
    const samples: number[] = [];
    const durations: number[] = [];
    for (let version = 1; version < versions; version++) {
      const next = await install(join(stageDir, String(version)), pluginDir);
      const freed = once(manager, 'freed');
      const startedAt = performance.now();
      const outcome = await manager.reload();
      const answer = manager.invoke(PLUGIN_NAME, 'version');
      const elapsed = performance.now() - startedAt;
      if (!outcome.ok) throw outcome.error;
      if (answer !== versionTag(version)) throw new Error(`version ${version} is not serving`);
      if (version > WARMUP) {
        samples.push(elapsed);
        durations.push(outcome.durationMs);
      }
      await freed;
      await rm(join(pluginDir, artifact));
      artifact = next;
    }
    await manager.close();
    return { samples, durations, steps: await loaderSteps(stageDir, Math.min(versions, 12)) };
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
    let built: BuiltPlugin | undefined;
    let sourceBytes = 0;
    const steps: string[] = [];
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
        results.push(await runChild<ChildResult>(SELF, ['--child', stageDir, '--versions', String(versions), '--source-maps', String(config.sourcemap)]));
      }
      const medians = results.map((r) => median(r.samples));
      const p90s = results.map((r) => quantile(r.samples, 0.9));
      if (index === 0) defaultMedian = median(medians);
      rows.push([
        config.name,
        built === undefined ? '?' : mb(built.artifactBytes),
        `${median(medians).toFixed(1)} ms`,
        `${median(p90s).toFixed(1)} ms`,
        `${Math.max(...results.flatMap((r) => r.samples)).toFixed(1)} ms`,
        `${median(results.map((r) => median(r.durations))).toFixed(1)} ms`,
        medians.map((m) => m.toFixed(1)).join(', '),
      ]);
      const s = results.map((r) => r.steps);
      if (config.scale !== 1) continue;
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
        ...steps,
      ],
      ['configuration', 'artifact', 'median', 'p90', 'max', 'reload() durationMs (median)', 'run medians'],
      rows,
    );
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
  const result = await child(stageDir, Number(option(argv, 'versions', '0')), option(argv, 'source-maps', 'true') === 'true');
  process.stdout.write(JSON.stringify(result) + '\n');
}
