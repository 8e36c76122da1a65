/**
 * WebSocket connections held across code changes: hotswap reloads against `node --watch` restarts.
 *
 *   node dist/bench/compare-ws.js [--runs 3] [--connections 1000] [--reloads 100] [--restarts 3]
 *                                 [--per-version 1000] [--window 1] [--pause 0] [--idle-reloads 20]
 *
 * One ws server (lib/ws/server.ts): the host owns the sockets and a counter per connection; the
 * reply (`{ seq, count, version }`) is computed by code that changes between versions. The clients
 * (lib/ws/clients.ts, in this process) keep `connections` connections open, each sending numbered
 * messages with `window` in flight, and check every reply: in order, the counter going on by one.
 * With `--pause 0` (the default) each connection sends its next message as soon as a reply comes:
 * the server is saturated, the worst case for a reload; `--pause ms` paces each connection.
 * - hotswap: the reply code is the `wsreply` plugin; `reloads + 1 + idle-reloads` versions are
 *   built for real first (esbuild), then for each reload the next version's artifact and manifest
 *   are installed into the host's plugin directory and the host is told to `manager.reload()` (a
 *   line on its stdin); the next reload starts once `per-version` replies from the new version have
 *   come. Then, the clients gone, `idle-reloads` more reloads time a reload with no traffic;
 * - node --watch: the same server, its reply code a plain module imported by the entry; each
 *   restart writes the next version of the module, and `node --watch` restarts the process. The
 *   clients reconnect (10 ms after the drop, then every 20 ms until it works) and go on numbering;
 *   the next restart starts once every connection is back and `per-version` replies came from the
 *   new version.
 * Counts are measured, never asserted: what a restart costs is the result.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { option } from './lib/child.js';
import { printTable } from './lib/report.js';
import { median, quantile } from './lib/stats.js';
import { Fleet, type FleetReport } from './lib/ws/clients.js';
import { ServerProcess, writePlainVersion, type ServerEvent } from './lib/ws/process.js';
import { buildVersions, installVersion, versionLabel, type BuiltVersion } from './lib/ws/protocol.js';

interface Options {
  readonly runs: number;
  readonly connections: number;
  readonly reloads: number;
  readonly restarts: number;
  readonly perVersion: number;
  readonly window: number;
  readonly pauseMs: number;
  readonly idleReloads: number;
}

/** One mechanism's run. */
interface RunResult {
  readonly mechanism: 'hotswap' | 'node --watch';
  /** Code changes made (reloads or restarts). */
  readonly changes: number;
  readonly report: FleetReport;
  /** From the change being triggered to the first reply of the new version, ms, one per change. */
  readonly toNewCode: number[];
  /** hotswap: the reload outcome's durationMs; node --watch: to the new process's `ready`. */
  readonly changeMs: number[];
  /** hotswap: reload() durationMs of the reloads made after the clients stopped (no traffic). */
  readonly idleMs: number[];
  /** node --watch: from the change to every connection open again, ms. */
  readonly allBackMs: number[];
  /** Connections dropped by each change. */
  readonly droppedPerChange: number[];
  /** Time of the whole measured phase (all changes), ms. */
  readonly phaseMs: number;
  /** Versions expected to answer: the first and one per change. */
  readonly versions: number;
  readonly serverStats?: ServerEvent;
  /** Set when the run could not finish (a bound was reached): what happened. */
  readonly error?: string;
}

const BOUND_MS = 120_000;

async function hotswapRun(work: string, run: number, versions: readonly BuiltVersion[], o: Options): Promise<RunResult> {
  const pluginDir = join(work, `hotswap-${run}`);
  await installVersion(versions[0] as BuiltVersion, pluginDir);
  const { server, port } = await ServerProcess.hotswap({ pluginDir });
  const toNewCode: number[] = [];
  const changeMs: number[] = [];
  const droppedPerChange: number[] = [];
  const idleMs: number[] = [];
  let fleet: Fleet | undefined;
  let report: FleetReport | undefined;
  let error: string | undefined;
  let phaseMs: number;
  let serverStats: ServerEvent | undefined;
  try {
    fleet = await new Fleet({ port, connections: o.connections, window: o.window, pauseMs: o.pauseMs, maxDurationMs: BOUND_MS }).start();
    await fleet.untilReplies(versionLabel(0), o.perVersion);
    fleet.clearLatencies();
    const startedAt = performance.now();
    try {
      for (let k = 1; k <= o.reloads; k++) {
        const built = versions[k] as BuiltVersion;
        await installVersion(built, pluginDir);
        const dropped = fleet.dropped;
        const triggeredAt = performance.now();
        const outcome = await server.reload();
        if (outcome.ok !== true) throw new Error(`reload ${k} failed: ${JSON.stringify(outcome)}`);
        const served = (outcome.details as { version: string }[])[0]?.version;
        if (served !== built.version) throw new Error(`reload ${k} loaded ${served}, not ${built.version}`);
        changeMs.push(outcome.durationMs as number);
        await fleet.untilReplies(built.version, 1);
        toNewCode.push(performance.now() - triggeredAt);
        await fleet.untilReplies(built.version, o.perVersion);
        droppedPerChange.push(fleet.dropped - dropped);
      }
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    phaseMs = performance.now() - startedAt;
    serverStats = await server.stats();
    report = await fleet.stop();
    // The same reloads with no traffic: what a reload costs when the event loop is free.
    for (let k = o.reloads + 1; k < versions.length && error === undefined; k++) {
      await installVersion(versions[k] as BuiltVersion, pluginDir);
      const outcome = await server.reload();
      if (outcome.ok !== true) error = `idle reload ${k} failed: ${JSON.stringify(outcome)}`;
      else idleMs.push(outcome.durationMs as number);
    }
  } finally {
    if (report === undefined) report = await fleet?.stop();
    await server.kill();
  }
  if (report === undefined) throw new Error(`hotswap run ${run}: the clients did not start\n${server.stderr}`);
  return {
    mechanism: 'hotswap',
    changes: changeMs.length,
    report,
    toNewCode,
    changeMs,
    idleMs,
    allBackMs: [],
    droppedPerChange,
    phaseMs,
    versions: o.reloads + 1,
    ...(serverStats === undefined ? {} : { serverStats }),
    ...(error === undefined ? {} : { error }),
  };
}

/** A port free now on 127.0.0.1, for the server that must come back on the same port. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Kills a process by pid if it is still there (the child `node --watch` ran). */
function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function watchRun(work: string, run: number, o: Options): Promise<RunResult> {
  const dir = join(work, `watch-${run}`);
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const { server } = await ServerProcess.watch({ dir, port, version: versionLabel(0) });
  const pids = new Set<number>();
  const trackPid = (event: ServerEvent): void => void pids.add(event.pid as number);
  for (const event of server.events) if (event.event === 'ready') trackPid(event);
  const toNewCode: number[] = [];
  const changeMs: number[] = [];
  const allBackMs: number[] = [];
  const droppedPerChange: number[] = [];
  let fleet: Fleet | undefined;
  let report: FleetReport | undefined;
  let error: string | undefined;
  let phaseMs: number;
  try {
    fleet = await new Fleet({ port, connections: o.connections, window: o.window, pauseMs: o.pauseMs, reconnect: true, maxDurationMs: BOUND_MS }).start();
    const clients = fleet;
    await clients.untilReplies(versionLabel(0), o.perVersion);
    clients.clearLatencies();
    const startedAt = performance.now();
    try {
      for (let k = 1; k <= o.restarts; k++) {
        const version = versionLabel(k);
        const dropped = clients.dropped;
        const reconnected = clients.reconnected;
        const ready = server.next('ready');
        const triggeredAt = performance.now();
        await writePlainVersion(dir, version);
        const event = await ready;
        trackPid(event);
        changeMs.push(performance.now() - triggeredAt);
        await clients.untilReplies(version, 1);
        toNewCode.push(performance.now() - triggeredAt);
        await clients.until(() => clients.reconnected - reconnected >= o.connections && clients.open === o.connections);
        allBackMs.push(performance.now() - triggeredAt);
        await clients.untilReplies(version, o.perVersion);
        droppedPerChange.push(clients.dropped - dropped);
      }
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    phaseMs = performance.now() - startedAt;
  } finally {
    report = await fleet?.stop();
    await server.kill();
    for (const pid of pids) killIfAlive(pid);
  }
  if (report === undefined) throw new Error(`node --watch run ${run}: the clients did not start\n${server.stderr}`);
  return {
    mechanism: 'node --watch',
    changes: changeMs.length,
    report,
    toNewCode,
    changeMs,
    idleMs: [],
    allBackMs,
    droppedPerChange,
    phaseMs,
    versions: o.restarts + 1,
    ...(error === undefined ? {} : { error }),
  };
}

function ms(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)} ms` : '-';
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function int(value: number): string {
  return value.toLocaleString('en');
}

/** `median / max` of pooled samples. */
function medMax(samples: readonly number[]): string {
  return samples.length === 0 ? '-' : `${ms(median(samples))} / ${ms(quantile(samples, 1))}`;
}

function summarize(results: readonly RunResult[], o: Options): void {
  const rows: string[][] = [];
  const timeRows: string[][] = [];
  for (const mechanism of ['hotswap', 'node --watch'] as const) {
    const of = results.filter((r) => r.mechanism === mechanism);
    if (of.length === 0) continue;
    const reports = of.map((r) => r.report);
    const total = (pick: (r: FleetReport) => number): number => sum(reports.map(pick));
    const changes = sum(of.map((r) => r.changes));
    const planned = of.length * (mechanism === 'hotswap' ? o.reloads : o.restarts);
    const expectedVersions = of.map((r) => r.versions);
    const answered = of.map((r) => [...r.report.byVersion.keys()].length);
    const perVersion = of.flatMap((r) => [...r.report.byVersion.values()]);
    const counterKept =
      total((r) => r.counterRestarts) === 0 && total((r) => r.counterBreaks) === 0
        ? `yes: ${int(total((r) => r.opens))} connections, 0 restarts, 0 gaps`
        : `no: restarted from 1 on ${int(total((r) => r.counterRestarts))} reconnections, ${int(total((r) => r.counterBreaks))} gaps`;
    rows.push([
      mechanism,
      `${int(changes)}${changes === planned ? '' : ` of ${int(planned)}`} ${mechanism === 'hotswap' ? 'reloads' : 'restarts'}`,
      int(o.connections),
      int(total((r) => r.dropped)),
      int(total((r) => r.sent)),
      int(total((r) => r.received)),
      int(total((r) => r.lost)),
      int(total((r) => r.outOfOrder)),
      int(total((r) => r.errors)),
      counterKept,
      `${answered.every((n, i) => n === expectedVersions[i]) ? `all ${expectedVersions[0]}` : `${answered.join(', ')} of ${expectedVersions.join(', ')}`}; ${int(quantile(perVersion, 0))} to ${int(quantile(perVersion, 1))} replies per version`,
      ms(median(of.map((r) => r.phaseMs))),
    ]);
    const latencies = of.flatMap((r) => [...r.report.latencies]);
    const pooled = (pick: (r: RunResult) => readonly number[]): number[] => of.flatMap((r) => [...pick(r)]);
    timeRows.push([
      mechanism,
      medMax(pooled((r) => r.toNewCode)),
      mechanism === 'hotswap'
        ? `reload() ${medMax(pooled((r) => r.changeMs))} (no traffic: ${medMax(pooled((r) => r.idleMs))})`
        : `new process ready ${medMax(pooled((r) => r.changeMs))}`,
      mechanism === 'hotswap' ? 'never dropped' : medMax(pooled((r) => r.allBackMs)),
      `${int(median(pooled((r) => r.droppedPerChange)))}`,
      ms(quantile(latencies, 0.5)),
      ms(quantile(latencies, 0.99)),
      ms(quantile(latencies, 1)),
    ]);
  }
  const hotswapStats = results.filter((r) => r.serverStats !== undefined).map((r) => r.serverStats as ServerEvent);
  const notes = [
    `${int(o.connections)} connections, each with ${o.window} message${o.window === 1 ? '' : 's'} in flight, ${o.pauseMs === 0 ? 'the next sent as soon as a reply comes (the server saturated)' : `the next sent ${o.pauseMs} ms after a reply`}; ${of(results, 'hotswap')} hotswap run(s) of ${o.reloads} reloads, ${of(results, 'node --watch')} node --watch run(s) of ${o.restarts} restarts; ${o.perVersion} replies from each version before the next change`,
    'counts are totals over all runs; times are medians over all runs (time of all changes: median of the runs)',
    'hotswap: every version built for real (esbuild) before the run; a reload = install artifact + manifest, then manager.reload() in the host',
    'node --watch: a restart = write the reply module the entry imports; clients reconnect to the same port and go on numbering',
  ];
  if (hotswapStats.length > 0) {
    notes.push(
      `hotswap host, as the server saw it: connections opened ${hotswapStats.map((s) => int(s.opened as number)).join(', ')}, closed before the clients stopped ${hotswapStats.map((s) => int(s.closed as number)).join(', ')}; event-loop delay max ${hotswapStats.map((s) => ms(s.loopDelayMaxMs as number)).join(', ')}`,
    );
  }
  for (const r of results) if (r.error !== undefined) notes.push(`${r.mechanism} run did not finish: ${r.error}`);
  printTable(
    'compare-ws: WebSocket connections held across code changes',
    notes,
    ['server', 'code changes', 'connections', 'dropped', 'messages sent', 'replies', 'lost', 'out of order', 'error replies', 'per-connection counter kept', 'versions answered (each run)', 'time of all changes'],
    rows,
  );
  printTable(
    'compare-ws: time per code change, reply round trip during the changes',
    ['round trip: from a message being sent to its reply, over the whole phase of changes (clients and server on one machine)'],
    ['server', 'change to new code answering (median / max)', 'change itself (median / max)', 'change to all connections back', 'dropped per change', 'round trip p50', 'p99', 'max'],
    timeRows,
  );
}

function of(results: readonly RunResult[], mechanism: string): number {
  return results.filter((r) => r.mechanism === mechanism).length;
}

async function main(argv: readonly string[]): Promise<void> {
  const o: Options = {
    runs: Number(option(argv, 'runs', '3')),
    connections: Number(option(argv, 'connections', '1000')),
    reloads: Number(option(argv, 'reloads', '100')),
    restarts: Number(option(argv, 'restarts', '3')),
    perVersion: Number(option(argv, 'per-version', '1000')),
    window: Number(option(argv, 'window', '1')),
    pauseMs: Number(option(argv, 'pause', '0')),
    idleReloads: Number(option(argv, 'idle-reloads', '20')),
  };
  const work = await mkdtemp(join(tmpdir(), 'hotswap-bench-ws-'));
  try {
    process.stderr.write(`building ${o.reloads + 1 + o.idleReloads} versions of the plugin...\n`);
    const versions = await buildVersions(work, o.reloads + 1 + o.idleReloads);
    const results: RunResult[] = [];
    for (let run = 1; run <= o.runs; run++) {
      process.stderr.write(`run ${run}/${o.runs}: hotswap, ${o.reloads} reloads...\n`);
      results.push(await hotswapRun(work, run, versions, o));
      process.stderr.write(`run ${run}/${o.runs}: node --watch, ${o.restarts} restarts...\n`);
      results.push(await watchRun(work, run, o));
    }
    summarize(results, o);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
