/**
 * Against the alternatives: reloading the code of an HTTP server under load.
 *
 *   node dist/bench/compare-http.js [--runs 3] [--changes 12] [--interval-ms 1000] [--connections 10]
 *     [--storm-runs 2] [--storm-ms 10000] [--storm-every-ms 10] [--only baseline,restart,...,storm]
 *
 * Workload 1, reload under load: the same trivial node:http server (it answers its code version)
 * under autocannon load (`connections` keep-alive connections, each sending its next request as
 * soon as the previous is answered: a saturated server), while `changes` code changes are applied,
 * one every `interval-ms`, by each alternative: restart (node --watch), a 2-worker pm2 cluster
 * reload, ESM cache busting, hot-hook, dynohot, a hotswap plugin reload and a hotswap hotfix (by
 * LiveEdit, and by redirection with the server run through hotswap's loader); and
 * the same load with no change, the baseline. After each change a prober polls `/` (a new
 * connection per poll) until the new version answers: the change-to-new-code time. Every
 * alternative runs once per run, in rotating order, each in a fresh workspace and process; the
 * table gives medians across runs (failed requests are summed, change times pooled).
 *
 * Workload 2, reload storm: hotswap only (a restart-based tool cannot reload every 10 ms): a
 * plugin reload triggered every `storm-every-ms` for `storm-ms` under the same load, and hotfix
 * patches applied back to back (each answered before the next is sent, `storm-every-ms` apart);
 * heap after full collections before the load and after it (once replaced generations are freed).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALTERNATIVES, BASELINE, BASELINE_LOADER, takesNoChange, HOTSWAP_HOTFIX, HOTSWAP_HOTFIX_REDIRECT, HOTSWAP_PLUGIN, RESTART, type Alternative, type Running } from './lib/compare/alternatives.js';
import { buildPluginTemplate, hotfixPatch, PluginInstaller, type PluginTemplate } from './lib/compare/changes.js';
import { LoadProcess, type LoadResult } from './lib/compare/load.js';
import { handlerSource, label, pluginSource } from './lib/compare/servers.js';
import { exitNumbers, http, longestDelay, probe, removeWorkspace, REPO, run, sleep, type ServerNumbers } from './lib/compare/workspace.js';
import { option } from './lib/child.js';
import { goalLine, printTable } from './lib/report.js';
import { mb, median, signedMb } from './lib/stats.js';

interface Options {
  readonly runs: number;
  readonly changes: number;
  readonly intervalMs: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly leadMs: number;
  readonly tailMs: number;
  readonly deadlineMs: number;
  readonly stormRuns: number;
  readonly stormMs: number;
  readonly stormEveryMs: number;
  readonly only: ReadonlySet<string> | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const only = option(argv, 'only', '');
  return {
    runs: Number(option(argv, 'runs', '3')),
    changes: Number(option(argv, 'changes', '12')),
    intervalMs: Number(option(argv, 'interval-ms', '1000')),
    connections: Number(option(argv, 'connections', '10')),
    warmupMs: Number(option(argv, 'warmup-ms', '1000')),
    leadMs: Number(option(argv, 'lead-ms', '2000')),
    tailMs: Number(option(argv, 'tail-ms', '1000')),
    deadlineMs: Number(option(argv, 'deadline-ms', '10000')),
    stormRuns: Number(option(argv, 'storm-runs', '2')),
    stormMs: Number(option(argv, 'storm-ms', '10000')),
    stormEveryMs: Number(option(argv, 'storm-every-ms', '10')),
    only: only === '' ? undefined : new Set(only.split(',')),
  };
}

/** 1-minute load average when the bench started, for the load note. */
const LOAD_AT_START = loadavg()[0] ?? 0;

/** What else the machine was doing: with 2 cores, any other busy process shows in the latencies. */
function loadNote(): string {
  return `machine load (1-minute load average): ${LOAD_AT_START.toFixed(1)} when the bench started, ${(loadavg()[0] ?? 0).toFixed(1)} when this table was printed`;
}

// ---------------------------------------------------------------------------------------------
// Workload 1

interface RunResult {
  readonly load: LoadResult;
  /** Change-to-new-code per change, ms; undefined: not seen before the deadline. */
  readonly changeMs: readonly (number | undefined)[];
  readonly changeErrors: readonly string[];
  /** Mean time between two changes (the asked interval unless a change took longer). */
  readonly paceMs: number;
  readonly longestDelayMs: number | undefined;
  readonly servers: readonly ServerNumbers[];
}

interface Outcome {
  readonly alternative: Alternative;
  readonly runs: RunResult[];
  readonly failures: string[];
}

async function measureRun(alternative: Alternative, options: Options, template: PluginTemplate): Promise<RunResult> {
  const changes = takesNoChange(alternative) ? 0 : options.changes;
  const running: Running = await alternative.start({ template });
  let load: LoadProcess | undefined;
  try {
    const plannedMs = options.leadMs + options.changes * options.intervalMs + options.tailMs;
    load = await LoadProcess.start(running.port, options.connections, options.warmupMs, plannedMs + 120_000);
    await sleep(options.leadMs);
    const steadyUntil = Date.now();
    const changeMs: (number | undefined)[] = [];
    const changeErrors: string[] = [];
    const firstAt = performance.now();
    for (let version = 1; version <= changes; version++) {
      await sleep(firstAt + (version - 1) * options.intervalMs - performance.now());
      const since = performance.now();
      const changing = running.change(version).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      const seen = await probe(running.port, label(version), since, options.deadlineMs);
      const error = await changing;
      changeMs.push(seen);
      if (error !== undefined) changeErrors.push(error);
    }
    const paceMs = changes > 1 ? (performance.now() - firstAt) / changes : options.intervalMs;
    // The baseline runs as long as the others.
    await sleep(firstAt + options.changes * options.intervalMs + options.tailMs - performance.now());
    const result = await load.stop(steadyUntil);
    const stoppedAt = Date.now();
    await running.stop();
    const servers = await exitNumbers(running.ws);
    return { load: result, changeMs, changeErrors, paceMs, longestDelayMs: longestDelay(servers, load.startedAt, stoppedAt), servers };
  } finally {
    load?.kill();
    await running.stop().catch(() => {});
    await removeWorkspace(running.ws);
  }
}

const TIMING_NAMES: Readonly<Record<string, string>> = {
  durationMs: 'reload outcome.durationMs',
  applyMs: 'engine.apply wall time',
  pauseMs: 'outcome.pauseMs (setScriptSource)',
  verifyMs: 'outcome.verifyMs (heap walk)',
};

/** The servers' per-reload timings: `name median / max` for each kind. */
function timingsText(servers: readonly ServerNumbers[]): string {
  const names = [...new Set(servers.flatMap((s) => Object.keys(s.timings)))];
  return names
    .map((name) => {
      const values = servers.flatMap((s) => s.timings[name] ?? []);
      return `${TIMING_NAMES[name] ?? name} ${ms(median(values))} / ${ms(Math.max(...values))}`;
    })
    .join('; ');
}

const ms = (value: number): string => (value >= 100 ? `${value.toFixed(0)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`);
const ratio = (value: number, base: number | undefined): string => (base === undefined || !(base > 0) ? '' : ` (${(value / base).toFixed(1)}x)`);
const failedOf = (load: LoadResult): number => load.errors + load.non2xx;
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

interface Medians {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function mediansOf(runs: readonly RunResult[]): Medians {
  return {
    p50: median(runs.map((r) => r.load.all.p50)),
    p99: median(runs.map((r) => r.load.all.p99)),
    max: median(runs.map((r) => r.load.all.max)),
  };
}

function pooledChanges(runs: readonly RunResult[]): { seen: number[]; total: number } {
  const all = runs.flatMap((r) => r.changeMs);
  return { seen: all.filter((v): v is number => v !== undefined), total: all.length };
}

function workloadOneRow(outcome: Outcome, options: Options, base: Medians | undefined): string[] {
  const { alternative, runs, failures } = outcome;
  if (runs.length === 0) return [alternative.name, `did not work (0/${options.runs} runs): ${failures[0]?.split('\n')[0] ?? '?'}`, '-', '-', '-', '-', '-', '-', '-', '-', '-'];
  const m = mediansOf(runs);
  const loads = runs.map((r) => r.load);
  const failed = sum(loads.map(failedOf));
  const failedText =
    failed === 0
      ? '0'
      : `${failed} (errors ${sum(loads.map((l) => l.errors))}, of which timeouts ${sum(loads.map((l) => l.timeouts))}; non-2xx ${sum(loads.map((l) => l.non2xx))}; per run ${loads.map(failedOf).join(', ')})`;
  const changes = pooledChanges(runs);
  const isBaseline = takesNoChange(alternative);
  const changeText = isBaseline ? '-' : changes.seen.length === 0 ? 'never seen' : `${ms(median(changes.seen))} / ${ms(Math.max(...changes.seen))}`;
  const delays = runs.map((r) => r.longestDelayMs).filter((v): v is number => v !== undefined);
  const rps = median(loads.map((l) => (l.answered / l.durationMs) * 1000));
  const runsText = runs.length < options.runs ? `${runs.length}/${options.runs} ok` : String(runs.length);
  return [
    alternative.name,
    isBaseline ? '-' : `${changes.seen.length}/${changes.total}`,
    failedText,
    rps.toFixed(0),
    `${ms(m.p50)}${isBaseline ? '' : ratio(m.p50, base?.p50)}`,
    `${ms(m.p99)}${isBaseline ? '' : ratio(m.p99, base?.p99)}`,
    `${ms(m.max)}${isBaseline ? '' : ratio(m.max, base?.max)}`,
    `${ms(median(loads.map((l) => l.steady.p50)))} / ${ms(median(loads.map((l) => l.steady.p99)))}`,
    delays.length === 0 ? 'n/a' : ms(median(delays)),
    changeText,
    `${runsText}; p99 ${loads.map((l) => l.all.p99.toFixed(2)).join(', ')}`,
  ];
}

function notesOf(outcome: Outcome, options: Options): string[] {
  const notes: string[] = [];
  const { alternative, runs, failures } = outcome;
  for (const failure of new Set(failures)) notes.push(`${alternative.name}: a run failed: ${failure.split('\n').slice(0, 3).join(' | ')}`);
  const nodes = new Set(runs.flatMap((r) => r.servers.map((s) => s.node)));
  if (nodes.size > 0 && (nodes.size > 1 || !nodes.has(process.version))) notes.push(`${alternative.name}: servers ran on Node ${[...nodes].join(', ')}`);
  const errors = runs.flatMap((r) => r.changeErrors);
  if (errors.length > 0) notes.push(`${alternative.name}: ${errors.length} change(s) failed, first: ${errors[0]?.split('\n')[0] ?? ''}`);
  const slow = runs.map((r) => r.paceMs).filter((pace) => pace > options.intervalMs * 1.1);
  if (slow.length > 0) notes.push(`${alternative.name}: changes came every ${slow.map((p) => p.toFixed(0)).join(', ')} ms, not ${options.intervalMs} (a change took longer)`);
  const failedReloads = sum(runs.flatMap((r) => r.servers.map((s) => s.failed)));
  if (failedReloads > 0) {
    const last = runs.flatMap((r) => r.servers.map((s) => s.lastError)).find((e) => e !== undefined);
    notes.push(`${alternative.name}: ${failedReloads} reload(s) failed in the server: ${last ?? ''}`);
  }
  return notes;
}

async function workloadOne(options: Options, template: PluginTemplate): Promise<Outcome[]> {
  const alternatives = ALTERNATIVES.filter((a) => options.only === undefined || options.only.has(a.key));
  const outcomes = alternatives.map((alternative): Outcome => ({ alternative, runs: [], failures: [] }));
  for (let run = 0; run < options.runs; run++) {
    for (let k = 0; k < outcomes.length; k++) {
      const outcome = outcomes[(run + k) % outcomes.length] as Outcome;
      const startedAt = performance.now();
      process.stderr.write(`run ${run + 1}/${options.runs}: ${outcome.alternative.name}... `);
      try {
        outcome.runs.push(await measureRun(outcome.alternative, options, template));
        const last = outcome.runs[outcome.runs.length - 1] as RunResult;
        process.stderr.write(`${((performance.now() - startedAt) / 1000).toFixed(1)} s, failed ${failedOf(last.load)}, p99 ${last.load.all.p99.toFixed(2)} ms\n`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcome.failures.push(message);
        process.stderr.write(`FAILED: ${message.split('\n')[0] ?? ''}\n`);
      }
    }
  }
  return outcomes;
}

/** Median wall time of a `hotswap` CLI command (the build steps the change-to-new-code time leaves out). */
async function cliMs(args: (dir: string) => string[], prepare: (dir: string) => Promise<void>, times = 3): Promise<number> {
  const cli = join(REPO, 'dist', 'src', 'cli', 'main.js');
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'hotswap-compare-cli-'));
    try {
      await prepare(dir);
      const startedAt = performance.now();
      await run(process.execPath, [cli, ...args(dir)], { cwd: dir, env: process.env });
      samples.push(performance.now() - startedAt);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return median(samples);
}

async function buildTimes(): Promise<{ plugin: number; hotfix: number }> {
  const plugin = await cliMs(
    (dir) => ['build', '--version', label(1), join(dir, 'ver'), join(dir, 'out')],
    async (dir) => {
      await mkdir(join(dir, 'ver'));
      await writeFile(join(dir, 'ver', 'index.ts'), pluginSource(1));
      await mkdir(join(dir, 'node_modules'));
      await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    },
  );
  const hotfix = await cliMs(
    (dir) => ['hotfix', 'build', '--version', 'patch-1', '--base-dir', join(dir, 'base'), '--out', join(dir, 'patch.json'), 'handler.js'],
    async (dir) => {
      await mkdir(join(dir, 'base'));
      await writeFile(join(dir, 'base', 'handler.js'), handlerSource(0));
      await writeFile(join(dir, 'handler.js'), handlerSource(1));
    },
  );
  return { plugin, hotfix };
}

function reportWorkloadOne(outcomes: readonly Outcome[], options: Options, builds: { plugin: number; hotfix: number } | undefined): void {
  const baseline = outcomes.find((o) => o.alternative === BASELINE);
  const base = baseline !== undefined && baseline.runs.length > 0 ? mediansOf(baseline.runs) : undefined;
  const notes = [
    loadNote(),
    `${options.runs} runs, alternatives in rotating order, each run in a fresh workspace and server; medians across runs (failed requests summed, change times pooled over all changes)`,
    `load: autocannon, ${options.connections} keep-alive connections, each sending its next request when the previous is answered (a saturated server), ${options.warmupMs} ms warm-up not counted; ` +
      `${options.changes} changes per run, one every ${options.intervalMs} ms, after ${options.leadMs} ms without change and followed by ${options.tailMs} ms; ` +
      `${options.changes * options.runs} changes per alternative in all` +
        (options.changes * options.runs >= 100 ? '' : ` (the issue asks for 100: \`--changes ${Math.ceil(100 / options.runs)}\` gives ${Math.ceil(100 / options.runs) * options.runs})`),
    'latency: time of each 2xx response as the client saw it (sub-millisecond, no coordinated-omission correction); ratios are against the baseline row; "before the first change": the first part of the same load, with no change yet',
    'failed requests: autocannon errors (refused or reset connections, timeouts; it retries a refused connection at once and counts every try) + non-2xx answers',
    'event-loop delay: monitorEventLoopDelay (1 ms resolution) in every server process, longest in the load period; a restarted process only counts once listening',
    `change to new code: from the start of the change until a prober (a new connection per poll) gets the new version, median / max; deadline ${options.deadlineMs} ms`,
    'servers: graceful stop on SIGTERM/SIGINT (stop accepting, `connection: close` on the last answers, exit once closed): the best case for the restart-based rows',
    ...outcomes.map((o) => `${o.alternative.name}: ${o.alternative.how}`),
  ];
  if (builds !== undefined) {
    notes.push(
      `not in the change time: \`hotswap build\` of the plugin takes ${ms(builds.plugin)} and \`hotswap hotfix build\` of the patch ${ms(builds.hotfix)} (CLI, medians of 3); in production both run before the deploy`,
    );
  }
  for (const outcome of outcomes) {
    notes.push(...notesOf(outcome, options));
    const timings = timingsText(outcome.runs.flatMap((r) => r.servers));
    if (timings !== '') notes.push(`${outcome.alternative.name}, as the server timed it (median / max): ${timings}`);
  }
  printTable(
    'compare-http, workload 1: code changes applied under HTTP load',
    notes,
    ['alternative', 'changes seen', 'failed requests', 'req/s', 'p50', 'p99', 'max', 'p50 / p99 before the first change', 'longest event-loop delay', 'change → new code (median / max)', 'runs'],
    outcomes.map((o) => workloadOneRow(o, options, base)),
  );

  const restart = outcomes.find((o) => o.alternative === RESTART);
  const restartChange = restart === undefined ? undefined : pooledChanges(restart.runs).seen;
  const lines: string[] = [];
  const instrumented = outcomes.find((o) => o.alternative === BASELINE_LOADER);
  if (baseline !== undefined && instrumented !== undefined && baseline.runs.length > 0 && instrumented.runs.length > 0) {
    const rps = (o: Outcome) => median(o.runs.map((r) => (r.load.answered / r.load.durationMs) * 1000));
    const ratio = rps(instrumented) / rps(baseline);
    lines.push(goalLine('throughput of the server run through the loader (every function instrumented)', ratio >= 0.97, `${ratio.toFixed(3)}x the baseline's requests per second`, '>= 0.97x (<= 3 % less)'));
  }
  for (const engine of [HOTSWAP_PLUGIN, HOTSWAP_HOTFIX, HOTSWAP_HOTFIX_REDIRECT]) {
    const outcome = outcomes.find((o) => o.alternative === engine);
    if (outcome === undefined) continue;
    const name = engine === HOTSWAP_PLUGIN ? 'hotswap plugin' : engine === HOTSWAP_HOTFIX ? 'hotswap hotfix' : 'hotswap hotfix, redirected';
    if (outcome.runs.length === 0) {
      lines.push(`goal: ${name}: MISSED (did not run: ${outcome.failures[0]?.split('\n')[0] ?? '?'})`);
      continue;
    }
    const failed = sum(outcome.runs.map((r) => failedOf(r.load)));
    lines.push(goalLine(`failed requests during reloads, ${name}`, failed === 0, String(failed), '= 0'));
    const m = mediansOf(outcome.runs);
    if (base !== undefined) {
      lines.push(goalLine(`p99 during reloads, ${name}`, m.p99 <= 1.5 * base.p99, `${ms(m.p99)} vs ${ms(base.p99)}: ${(m.p99 / base.p99).toFixed(2)}x`, '<= 1.5x baseline p99'));
      lines.push(goalLine(`max during reloads, ${name}`, m.max <= 2 * base.max, `${ms(m.max)} vs ${ms(base.max)}: ${(m.max / base.max).toFixed(2)}x`, '<= 2x baseline max'));
    }
    const seen = pooledChanges(outcome.runs).seen;
    if (restartChange !== undefined && restartChange.length > 0 && seen.length > 0) {
      const factor = median(restartChange) / median(seen);
      lines.push(
        goalLine(`change to new code, ${name} vs restart (node --watch)`, factor >= 20, `${ms(median(seen))} vs ${ms(median(restartChange))}: ${factor.toFixed(0)}x faster`, '>= 20x faster'),
      );
      if (builds !== undefined) {
        const withBuild = median(seen) + (engine === HOTSWAP_PLUGIN ? builds.plugin : builds.hotfix);
        lines.push(`  (with the CLI build counted: ${ms(withBuild)}, ${(median(restartChange) / withBuild).toFixed(1)}x faster than restart)`);
      }
    }
  }
  if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n\n');
}

// ---------------------------------------------------------------------------------------------
// Workload 2

type StormKind = 'none' | 'plugin' | 'hotfix';

interface StormResult {
  readonly load: LoadResult;
  readonly triggers: number;
  readonly servers: readonly ServerNumbers[];
  readonly heapBefore: number;
  readonly heapAfter: number;
  readonly retiredLeft: number | undefined;
  readonly longestDelayMs: number | undefined;
}

async function serverNumbers(port: number, gc: boolean): Promise<ServerNumbers> {
  const reply = await http(port, gc ? '/__stats?gc=1' : '/__stats', { timeoutMs: 30_000 });
  return JSON.parse(reply.body) as ServerNumbers;
}

async function stormRun(kind: StormKind, options: Options, template: PluginTemplate): Promise<StormResult> {
  const alternative = kind === 'hotfix' ? HOTSWAP_HOTFIX : HOTSWAP_PLUGIN;
  const running = await alternative.start({ template, nodeArgs: ['--expose-gc'] });
  let load: LoadProcess | undefined;
  try {
    const heapBefore = (await serverNumbers(running.port, true)).heapUsed;
    load = await LoadProcess.start(running.port, options.connections, options.warmupMs, options.stormMs + 120_000);
    await sleep(options.tailMs);
    const startedAt = performance.now();
    let triggers = 0;
    if (kind === 'plugin') {
      const installer = new PluginInstaller(template, join(running.ws.app, 'plugins'));
      const pid = Number((await serverNumbers(running.port, false)).pid);
      for (let version = 1; performance.now() - startedAt < options.stormMs; version++) {
        await installer.install(version);
        process.kill(pid, 'SIGUSR2');
        triggers++;
        await sleep(startedAt + version * options.stormEveryMs - performance.now());
      }
    } else if (kind === 'hotfix') {
      const file = join(running.ws.app, 'handler.js');
      for (let version = 1; performance.now() - startedAt < options.stormMs; version++) {
        const reply = await http(running.port, '/__hotfix', { method: 'POST', body: hotfixPatch(file, version), timeoutMs: 10_000 });
        triggers++;
        if (reply.status !== 200) throw new Error(`patch ${version} refused: ${reply.body}`);
        await sleep(options.stormEveryMs);
      }
    } else {
      await sleep(options.stormMs);
    }
    await sleep(options.tailMs);
    const result = await load.stop(Date.now());
    const stoppedAt = Date.now();
    // Replaced generations are freed `freeDelay` (5 s by default) after their swap.
    let retiredLeft: number | undefined;
    for (let i = 0; i < 200; i++) {
      retiredLeft = (await serverNumbers(running.port, false)).retired;
      if (retiredLeft === undefined || retiredLeft === 0) break;
      await sleep(100);
    }
    const heapAfter = (await serverNumbers(running.port, true)).heapUsed;
    await running.stop();
    const servers = await exitNumbers(running.ws);
    return { load: result, triggers, servers, heapBefore, heapAfter, retiredLeft, longestDelayMs: longestDelay(servers, load.startedAt, stoppedAt) };
  } finally {
    load?.kill();
    await running.stop().catch(() => {});
    await removeWorkspace(running.ws);
  }
}

async function workloadTwo(options: Options, template: PluginTemplate): Promise<void> {
  const kinds: { kind: StormKind; name: string }[] = [
    { kind: 'none', name: 'hotswap plugin server, no reload (baseline)' },
    { kind: 'plugin', name: `plugin reload every ${options.stormEveryMs} ms (install + SIGUSR2)` },
    { kind: 'hotfix', name: `hotfix patches back to back, ${options.stormEveryMs} ms apart` },
  ];
  const results = new Map<StormKind, StormResult[]>(kinds.map((k) => [k.kind, []]));
  const failures = new Map<StormKind, string[]>(kinds.map((k) => [k.kind, []]));
  for (let run = 0; run < options.stormRuns; run++) {
    for (let k = 0; k < kinds.length; k++) {
      const { kind, name } = kinds[(run + k) % kinds.length] as { kind: StormKind; name: string };
      process.stderr.write(`storm run ${run + 1}/${options.stormRuns}: ${name}... `);
      try {
        const result = await stormRun(kind, options, template);
        results.get(kind)?.push(result);
        process.stderr.write(`failed ${failedOf(result.load)}, triggers ${result.triggers}\n`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.get(kind)?.push(message);
        process.stderr.write(`FAILED: ${message.split('\n')[0] ?? ''}\n`);
      }
    }
  }
  const baseRuns = results.get('none') ?? [];
  const base =
    baseRuns.length === 0
      ? undefined
      : { p50: median(baseRuns.map((r) => r.load.all.p50)), p99: median(baseRuns.map((r) => r.load.all.p99)), max: median(baseRuns.map((r) => r.load.all.max)) };
  const rows = kinds.map(({ kind, name }) => {
    const runs = results.get(kind) ?? [];
    if (runs.length === 0) return [name, `did not work: ${failures.get(kind)?.[0]?.split('\n')[0] ?? '?'}`, '-', '-', '-', '-', '-', '-', '-', '-'];
    const loads = runs.map((r) => r.load);
    const failed = sum(loads.map(failedOf));
    const p50 = median(loads.map((l) => l.all.p50));
    const p99 = median(loads.map((l) => l.all.p99));
    const max = median(loads.map((l) => l.all.max));
    const delays = runs.map((r) => r.longestDelayMs).filter((v): v is number => v !== undefined);
    const server = (r: StormResult): ServerNumbers | undefined => r.servers[0];
    const done = runs.map((r) => server(r)?.newVersions ?? server(r)?.reloads ?? 0);
    const failedReloads = runs.map((r) => server(r)?.failed ?? 0);
    const before = median(runs.map((r) => r.heapBefore));
    const after = median(runs.map((r) => r.heapAfter));
    const retired = runs.map((r) => r.retiredLeft ?? 0);
    return [
      name,
      kind === 'none' ? '-' : `${median(runs.map((r) => r.triggers)).toFixed(0)} / ${median(done).toFixed(0)} / ${sum(failedReloads)}`,
      failed === 0 ? '0' : `${failed} (per run ${loads.map(failedOf).join(', ')})`,
      median(loads.map((l) => (l.answered / l.durationMs) * 1000)).toFixed(0),
      `${ms(p50)}${kind === 'none' ? '' : ratio(p50, base?.p50)}`,
      `${ms(p99)}${kind === 'none' ? '' : ratio(p99, base?.p99)}`,
      `${ms(max)}${kind === 'none' ? '' : ratio(max, base?.max)}`,
      delays.length === 0 ? 'n/a' : ms(median(delays)),
      `${mb(before)} → ${mb(after)} (${signedMb(after - before)})${retired.some((n) => n > 0) ? `, ${retired.join('/')} generations not yet freed` : ''}`,
      kind === 'none' ? '-' : timingsText(runs.flatMap((r) => r.servers)) || '-',
    ];
  });
  printTable(
    'compare-http, workload 2: reload storm under HTTP load (hotswap only)',
    [
      loadNote(),
      `${options.stormRuns} runs in rotating order, each in a fresh server started with --expose-gc; medians across runs (failed requests summed)`,
      `load as in workload 1 (${options.connections} connections, saturated); the storm lasts ${options.stormMs} ms, with ${options.tailMs} ms of load before and after`,
      'restart-based tools are not in this table: a restart takes hundreds of milliseconds (node --watch, pm2 reload: workload 1), so they cannot reload every 10 ms',
      'plugin: a new version (a built artifact with its version label rewritten) installed and SIGUSR2 sent every period; signals that arrive during a reload coalesce into one queued reload, so fewer reloads than triggers run',
      'hotfix: each patch is POSTed and answered before the next; an apply enables the debugger for its duration, so far fewer than one per 10 ms fit',
      'heap: heapUsed after full collections, before the load and after it (once every replaced generation was freed: freeDelay 5 s); the baseline row shows what the load alone does to it',
      'reloads: triggered / new versions loaded / failed; time per reload: as the server timed it, median / max over all reloads of all runs',
    ],
    ['run', 'reloads', 'failed requests', 'req/s', 'p50', 'p99', 'max', 'longest event-loop delay', 'heap before → after', 'time per reload'],
    rows,
  );
  const lines: string[] = [];
  for (const { kind, name } of kinds) {
    if (kind === 'none') continue;
    const runs = results.get(kind) ?? [];
    if (runs.length === 0) continue;
    const failed = sum(runs.map((r) => failedOf(r.load)));
    lines.push(goalLine(`failed requests, ${name}`, failed === 0, String(failed), '= 0'));
    if (base !== undefined) {
      const p99 = median(runs.map((r) => r.load.all.p99));
      const max = median(runs.map((r) => r.load.all.max));
      lines.push(goalLine(`p99, ${name}`, p99 <= 1.5 * base.p99, `${(p99 / base.p99).toFixed(2)}x`, '<= 1.5x no-reload p99'));
      lines.push(goalLine(`max, ${name}`, max <= 2 * base.max, `${(max / base.max).toFixed(2)}x`, '<= 2x no-reload max'));
    }
  }
  if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  const startedAt = performance.now();
  process.stderr.write('building the plugin template...\n');
  const template = await buildPluginTemplate();
  const wantsOne = options.only === undefined || ALTERNATIVES.some((a) => options.only?.has(a.key));
  if (wantsOne) {
    const builds = options.only === undefined || options.only.has('plugin') || options.only.has('hotfix') || options.only.has('hotfix-redirect') ? await buildTimes() : undefined;
    const outcomes = await workloadOne(options, template);
    reportWorkloadOne(outcomes, options, builds);
  }
  if (options.only === undefined || options.only.has('storm')) await workloadTwo(options, template);
  process.stderr.write(`compare-http done in ${((performance.now() - startedAt) / 1000).toFixed(0)} s\n`);
}

await main(process.argv.slice(2));
