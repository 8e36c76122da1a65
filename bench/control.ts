/**
 * The control plane, from outside the process: what `status` costs over the control socket, what
 * `hotswap reload <pid>` costs from the command's start to its printed outcome, and the same app
 * reloaded by `pm2 reload`.
 *
 *   node dist/bench/control.js [--calls 2000] [--fresh-calls 300] [--warmup 200] [--cli-runs 10]
 *     [--pm2-runs 8] [--load-reloads 5] [--connections 10] [--interval-ms 1000] [--only status,cli,pm2,load]
 *
 * The app (bench/lib/control/app.ts) is one node:http server answering from a plugin built for
 * real; the same file runs under both tools. Run directly, it starts a control server; under pm2
 * (a private PM2_HOME, `pm2 kill` at the end) it does not.
 *
 * 1. status: a client in this process, `connectControl(socket)` to the app in its child process,
 *    `warmup` untimed calls, then `calls` sequential `status` calls on the one connection; then
 *    `fresh-calls` with a new connection each (connect, hello, status, close).
 * 2. cli: `node dist/src/cli/main.js ...` timed from spawn to exit (its outcome printed): Node
 *    starting alone (`node -e ""`), `hotswap --version` (Node and the CLI's modules), `hotswap status
 *    <pid>`, `hotswap reload <pid> --json` after a rebuild with a new `--version` (a swap), and again
 *    with nothing rebuilt (nothing changed). `--json` only so that the host's durationMs is read
 *    unrounded; the printing is the same work. One untimed round first.
 * 3. pm2: the app started by `pm2 start` in fork mode (1 process), cluster mode with 1 worker (the
 *    hotswap app's count) and with 2; each run rebuilds the plugin with a new version, then times
 *    `pm2 reload app` from spawn to exit, then polls `/` until the new version answers. `pm2 ping`
 *    times pm2's command with a round trip to its daemon and nothing else.
 * 4. load: autocannon (`connections` keep-alive connections, saturating) on each tool's app while
 *    `load-reloads` new versions are reloaded, `interval-ms` apart: failed requests and latency.
 *
 * Everything it starts it stops: the apps in finally blocks (and on SIGINT/SIGTERM), the pm2
 * daemon with `pm2 kill`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { connectControl } from '../src/control/client.js';
import { option } from './lib/child.js';
import { LoadProcess, type LoadResult } from './lib/compare/load.js';
import { freePort, sleep } from './lib/compare/workspace.js';
import { Pm2, PM2_MODES, type Pm2Mode } from './lib/control/pm2.js';
import { APP, AppProcess, answeredVersion, buildApp, CLI, environment, label, makeWorkspace, mustRun, PM2, removeWorkspace, untilVersion, type Workspace } from './lib/control/setup.js';
import { printTable } from './lib/report.js';
import { median, quantile } from './lib/stats.js';

interface Options {
  readonly calls: number;
  readonly freshCalls: number;
  readonly warmup: number;
  readonly cliRuns: number;
  readonly pm2Runs: number;
  readonly loadReloads: number;
  readonly connections: number;
  readonly intervalMs: number;
  readonly only: ReadonlySet<string>;
}

function parseOptions(argv: readonly string[]): Options {
  return {
    calls: Number(option(argv, 'calls', '2000')),
    freshCalls: Number(option(argv, 'fresh-calls', '300')),
    warmup: Number(option(argv, 'warmup', '200')),
    cliRuns: Number(option(argv, 'cli-runs', '10')),
    pm2Runs: Number(option(argv, 'pm2-runs', '8')),
    loadReloads: Number(option(argv, 'load-reloads', '5')),
    connections: Number(option(argv, 'connections', '10')),
    intervalMs: Number(option(argv, 'interval-ms', '1000')),
    only: new Set(option(argv, 'only', 'status,cli,pm2,load').split(',')),
  };
}

const ms = (value: number): string => (Number.isNaN(value) ? 'n/a' : `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`);
const max = (samples: readonly number[]): number => (samples.length === 0 ? Number.NaN : Math.max(...samples));
const min = (samples: readonly number[]): number => (samples.length === 0 ? Number.NaN : Math.min(...samples));
const ratio = (value: number, base: number): string => (Number.isFinite(value / base) ? `${(value / base).toFixed(1)}x` : 'n/a');

/** What the stop-on-signal path must end: the apps and load processes running, and the pm2 daemon. */
const running = new Set<() => void>();
function onSignal(): void {
  for (const stop of [...running].reverse()) stop();
  process.exit(130);
}

/** Everything measured, for the tables. */
interface Results {
  status?: { same: number[]; fresh: number[]; bytes: number };
  cli?: { node: number[]; version: number[]; status: number[]; swap: number[]; swapHost: number[]; swapAnswer: number[]; same: number[]; sameHost: number[] };
  pm2?: { mode: Pm2Mode; command: number[]; answer: number[] }[];
  pm2Ping?: number[];
  load?: { name: string; result: LoadResult; commands: number[] }[];
}

/** The version counter: every build gets the next one. */
let built = 0;
async function buildNext(ws: Workspace): Promise<string> {
  built++;
  await buildApp(ws, built);
  return label(built);
}

async function measureStatus(app: AppProcess, options: Options): Promise<NonNullable<Results['status']>> {
  const client = await connectControl(app.socket);
  const same: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < options.warmup; i++) bytes = JSON.stringify(await client.call('status')).length;
    for (let i = 0; i < options.calls; i++) {
      const started = performance.now();
      await client.call('status');
      same.push(performance.now() - started);
    }
  } finally {
    client.close();
  }
  const fresh: number[] = [];
  const freshWarmup = Math.ceil(options.warmup / 10);
  for (let i = 0; i < freshWarmup + options.freshCalls; i++) {
    const started = performance.now();
    const c = await connectControl(app.socket);
    await c.call('status');
    c.close();
    const elapsed = performance.now() - started;
    // Not timed: the server has seen the close before the next connection comes.
    await c.closed;
    if (i >= freshWarmup) fresh.push(elapsed);
  }
  return { same, fresh, bytes };
}

interface WireOutcome {
  readonly ok: boolean;
  readonly changed: boolean;
  readonly durationMs: number;
}

async function cliReload(app: AppProcess, env: NodeJS.ProcessEnv, changed: boolean): Promise<{ ms: number; host: number }> {
  const run = await mustRun([CLI, 'reload', String(app.pid), '--json'], env);
  const outcome = JSON.parse(run.stdout) as WireOutcome;
  if (!outcome.ok || outcome.changed !== changed) throw new Error(`expected a reload that ${changed ? 'swaps' : 'finds nothing changed'}, got ${run.stdout}`);
  return { ms: run.ms, host: outcome.durationMs };
}

async function measureCli(ws: Workspace, app: AppProcess, env: NodeJS.ProcessEnv, options: Options): Promise<NonNullable<Results['cli']>> {
  const r: NonNullable<Results['cli']> = { node: [], version: [], status: [], swap: [], swapHost: [], swapAnswer: [], same: [], sameHost: [] };
  for (let run = -1; run < options.cliRuns; run++) {
    const keep = run >= 0;
    const node = await mustRun(['-e', ''], env);
    const version = await mustRun([CLI, '--version'], env);
    const status = await mustRun([CLI, 'status', String(app.pid)], env);
    const next = await buildNext(ws);
    const swap = await cliReload(app, env, true);
    const exited = performance.now();
    const answered = await answeredVersion(app.port);
    const answer = swap.ms + performance.now() - exited;
    if (answered !== next) throw new Error(`after the reload the app answered ${String(answered)}, not ${next}`);
    const same = await cliReload(app, env, false);
    if (!keep) continue;
    r.node.push(node.ms);
    r.version.push(version.ms);
    r.status.push(status.ms);
    r.swap.push(swap.ms);
    r.swapHost.push(swap.host);
    r.swapAnswer.push(answer);
    r.same.push(same.ms);
    r.sameHost.push(same.host);
  }
  return r;
}

/** `pm2 start` in `mode` on a fresh port; resolves once it answers the version built last. */
async function startUnderPm2(pm2: Pm2, ws: Workspace, mode: Pm2Mode): Promise<number> {
  const port = await freePort();
  await pm2.start(APP, mode, environment(ws, port, { APP_CONTROL: 'off' }));
  await untilVersion(port, label(built));
  return port;
}

async function measurePm2(pm2: Pm2, ws: Workspace, options: Options): Promise<NonNullable<Results['pm2']>> {
  const rows: NonNullable<Results['pm2']> = [];
  for (const mode of PM2_MODES) {
    const port = await startUnderPm2(pm2, ws, mode);
    const command: number[] = [];
    const answer: number[] = [];
    try {
      for (let run = -1; run < options.pm2Runs; run++) {
        const next = await buildNext(ws);
        const started = performance.now();
        const reload = await pm2.run('reload', 'app');
        const answeredAt = await untilVersion(port, next);
        if (run < 0) continue;
        command.push(reload.ms);
        answer.push(answeredAt - started);
      }
    } finally {
      await pm2.remove();
    }
    rows.push({ mode, command, answer });
  }
  return rows;
}

/** Load on `port` while `reloads` new versions are reloaded by `reload`; the command times too. */
async function underLoad(port: number, ws: Workspace, options: Options, reload: () => Promise<number>): Promise<{ result: LoadResult; commands: number[] }> {
  const load = await LoadProcess.start(port, options.connections, 1000, 120_000);
  const kill = (): void => load.kill();
  running.add(kill);
  const commands: number[] = [];
  try {
    await sleep(options.intervalMs);
    const steadyUntil = Date.now();
    for (let i = 0; i < options.loadReloads; i++) {
      const next = await buildNext(ws);
      commands.push(await reload());
      await untilVersion(port, next);
      await sleep(options.intervalMs);
    }
    return { result: await load.stop(steadyUntil), commands };
  } finally {
    load.kill();
    running.delete(kill);
  }
}

async function measureLoad(pm2: Pm2, ws: Workspace, options: Options): Promise<NonNullable<Results['load']>> {
  const rows: NonNullable<Results['load']> = [];
  const port = await freePort();
  const env = environment(ws, port);
  const app = await startApp(env);
  try {
    const measured = await underLoad(app.port, ws, options, async () => (await mustRun([CLI, 'reload', String(app.pid), '--json'], env)).ms);
    rows.push({ name: '`hotswap reload <pid>`', ...measured });
  } finally {
    await stopApp(app);
  }
  for (const mode of PM2_MODES) {
    const pm2Port = await startUnderPm2(pm2, ws, mode);
    try {
      const measured = await underLoad(pm2Port, ws, options, async () => (await pm2.run('reload', 'app')).ms);
      rows.push({ name: `\`pm2 reload app\`, ${mode.name}`, ...measured });
    } finally {
      await pm2.remove();
    }
  }
  return rows;
}

const appStops = new Map<AppProcess, () => void>();
async function startApp(env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const app = await AppProcess.start(env);
  const stop = (): void => {
    try {
      process.kill(app.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  };
  appStops.set(app, stop);
  running.add(stop);
  return app;
}

async function stopApp(app: AppProcess): Promise<void> {
  await app.stop();
  const stop = appStops.get(app);
  if (stop !== undefined) running.delete(stop);
}

function report(results: Results, options: Options, load: string): void {
  const table = (title: string, notes: readonly string[], header: readonly string[], rows: readonly (readonly string[])[]): void =>
    printTable(title, [...notes, load], header, rows);
  const s = results.status;
  if (s !== undefined) {
    const row = (way: string, samples: readonly number[]): string[] => [
      way,
      String(samples.length),
      ms(quantile(samples, 0.5)),
      ms(quantile(samples, 0.99)),
      ms(max(samples)),
    ];
    table(
      'control: status round trip over the control socket',
      [
        `the app in a child process (a PluginManager with one built plugin, startControl); the client in the benchmark's process; ${options.warmup} untimed calls first (${Math.ceil(options.warmup / 10)} for new connections)`,
        `the status answer: ${s.bytes} bytes of JSON`,
      ],
      ['way', 'calls', 'p50', 'p99', 'max'],
      [row('one connection, sequential `status` calls', s.same), row('a new connection per call: connect, hello, status, close', s.fresh)],
    );
  }
  const c = results.cli;
  if (c !== undefined) {
    const row = (command: string, samples: readonly number[], host?: readonly number[]): string[] => [
      command,
      String(samples.length),
      ms(median(samples)),
      ms(min(samples)),
      ms(max(samples)),
      host === undefined ? '-' : ms(median(host)),
    ];
    // From the minimums: on a shared machine other work only ever adds to a start-up time.
    const startup = min(c.node);
    const cliLoad = min(c.version) - startup;
    const host = median(c.swapHost);
    const rest = min(c.swap) - min(c.version) - host;
    table(
      'control: the hotswap CLI, from spawn to exit',
      [
        `\`node dist/src/cli/main.js ...\` spawned by the benchmark; ${options.cliRuns} runs after one untimed round; medians`,
        '"reload, new version": the plugin rebuilt (not timed) with a new --version first; "nothing changed": run again right after',
        `breakdown of "reload, new version" (minimums, the host's durationMs its median): Node start-up ${ms(startup)}, loading the CLI ${ms(cliLoad)}, the reload in the host (durationMs) ${ms(host)}, the rest (finding the host, connecting, hello, printing) ${rest >= 0 ? ms(rest) : `within the noise (the minimums give ${ms(rest)})`}`,
      ],
      ['command', 'runs', 'median', 'min', 'max', 'reload in the host (durationMs, median)'],
      [
        row('`node -e ""` (Node start-up alone)', c.node),
        row('`hotswap --version`', c.version),
        row('`hotswap status <pid>`', c.status),
        row('`hotswap reload <pid>`, new version', c.swap, c.swapHost),
        row('`hotswap reload <pid>`, nothing changed', c.same, c.sameHost),
      ],
    );
  }
  const p = results.pm2;
  if (p !== undefined) {
    const base = c === undefined ? Number.NaN : median(c.swap);
    const baseAnswer = c === undefined ? Number.NaN : median(c.swapAnswer);
    const rows: string[][] = [];
    if (c !== undefined) {
      rows.push(['`hotswap reload <pid>` (control socket)', '1', String(c.swap.length), ms(base), ms(min(c.swap)), ms(max(c.swap)), ms(median(c.swapAnswer)), '1.0x', '1.0x']);
    }
    for (const { mode, command, answer } of p) {
      rows.push([`\`pm2 reload app\`, ${mode.name}`, String(mode.workers), String(command.length), ms(median(command)), ms(min(command)), ms(max(command)), ms(median(answer)), ratio(median(command), base), ratio(median(answer), baseAnswer)]);
    }
    if (results.pm2Ping !== undefined) {
      const ping = results.pm2Ping;
      rows.push(['`pm2 ping` (pm2 start-up and a round trip to its daemon)', '-', String(ping.length), ms(median(ping)), ms(min(ping)), ms(max(ping)), '-', ratio(median(ping), base), '-']);
    }
    table(
      'control: hotswap reload against pm2 reload, the same app',
      [
        `pm2 ${pm2Version()}, private PM2_HOME; every reload is of a new version, built (not timed) before the command starts`,
        'command: spawn to exit; new version answers: from spawn until `/` (a new connection per poll, polled from the command\'s exit) answers the new version',
        `hotswap's row is the "reload, new version" of the CLI table above; ${options.pm2Runs} pm2 runs per mode after one untimed`,
      ],
      ['command', 'processes', 'runs', 'command median', 'command min', 'command max', 'new version answers (median)', 'command vs hotswap', 'new version vs hotswap'],
      rows,
    );
  }
  const l = results.load;
  if (l !== undefined) {
    table(
      'control: reloads under HTTP load',
      [
        `autocannon, ${options.connections} keep-alive connections each sending its next request when answered (saturating); ${options.loadReloads} reloads of new versions, ${options.intervalMs} ms apart, each once the previous version was replaced; 1 s of load before the first`,
        'failed: transport errors (a refused connection is retried at once and each try counts) and timeouts, and non-2xx answers',
      ],
      ['tool', 'reloads', 'answered', 'failed (errors / timeouts / non-2xx)', 'errors by code', 'p99', 'max', 'p99 before the first reload', 'command median under load'],
      l.map(({ name, result, commands }) => [
        name,
        String(commands.length),
        String(result.answered),
        `${result.errors} / ${result.timeouts} / ${result.non2xx}`,
        Object.entries(result.errorCodes).map(([code, count]) => `${code} ${count}`).join(', ') || '-',
        ms(result.all.p99),
        ms(result.all.max),
        ms(result.steady.p99),
        ms(median(commands)),
      ]),
    );
  }
}

function pm2Version(): string {
  return (JSON.parse(readFileSync(join(PM2, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const ws = await makeWorkspace();
  const pm2 = new Pm2(environment(ws, 0, { APP_CONTROL: 'off' }));
  let pm2Started = false;
  // On SIGINT/SIGTERM (the finally below does not run then): the daemon, then the workspace.
  const killPm2 = (): void => {
    if (pm2Started) spawnSync(process.execPath, [PM2, 'kill'], { env: environment(ws, 0), stdio: 'ignore' });
    rmSync(ws.root, { recursive: true, force: true });
  };
  running.add(killPm2);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: Results = {};
  const loadBefore = loadavg()[0] ?? Number.NaN;
  try {
    await buildNext(ws);
    if (options.only.has('status') || options.only.has('cli') || options.only.has('pm2')) {
      const env = environment(ws, await freePort());
      const app = await startApp(env);
      try {
        if (options.only.has('status')) results.status = await measureStatus(app, options);
        if (options.only.has('cli') || options.only.has('pm2')) results.cli = await measureCli(ws, app, env, options);
      } finally {
        await stopApp(app);
      }
    }
    if (options.only.has('pm2')) {
      pm2Started = true;
      results.pm2 = await measurePm2(pm2, ws, options);
      const ping: number[] = [];
      for (let run = -1; run < options.pm2Runs; run++) {
        const result = await pm2.run('ping');
        if (run >= 0) ping.push(result.ms);
      }
      results.pm2Ping = ping;
    }
    if (options.only.has('load')) {
      pm2Started = true;
      results.load = await measureLoad(pm2, ws, options);
    }
  } finally {
    const killed = await pm2.kill();
    running.delete(killPm2);
    if (killed !== 'killed' && killed !== 'no daemon was started') process.stderr.write(`${killed}\n`);
    await removeWorkspace(ws);
  }
  const loadAfter = loadavg()[0] ?? Number.NaN;
  report(results, options, `load average (1 min) on this machine: ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end`);
}

await main();
