/**
 * A fleet on this machine: 16 instances of a server with a 1.5 MB plugin joined to one service
 * through the Redis server at REDIS_URL, under a light, steady load the whole time (every instance
 * asked in turn, one request at a time, a new connection each, 2 ms apart). Four sections:
 *
 * 1. Releases: 20 releases published one after another, each to every instance at once. For
 *    each: the time from the start of the publish (storing the artifact, recording the release)
 *    to the last instance reporting it applied; failed requests while the releases land; and the
 *    Redis memory each release takes.
 * 2. Failed canaries: a good release applied everywhere, then 5 times a broken one (its plugin
 *    function throws) published with a rollout plan (canary 25%, bake 60 s, max error rate 1%).
 *    The canary's requests fail (the server answers 500), the health gate sees the failures and
 *    the rollout is rolled back. For each: publish → gate failed (the `updatedAt` of the
 *    rolled-back state in the rollout stream), gate failed → every instance running the good
 *    release again (the last instance's `applied` line, timestamped here as it arrives: the same
 *    clock as the driver's on this machine), and the failed requests: the canary's own 500s apart
 *    from any other failure (connection errors, timeouts), which must be none. Goal: rolled back
 *    everywhere ≤ 2 s after the gate fails.
 * 3. pm2 reload beside it: the same app (a PluginManager over the same plugin, no fleet) as 16
 *    pm2 cluster workers (one shared port; the hotswap instances have one each), private
 *    PM2_HOME; 5 times a new version of the plugin written, then `pm2 reload`, timed to the
 *    command's exit, under the same load. What survives in process memory: each process counts
 *    the requests it served; a hotswap instance keeps its process and its count through every
 *    release, a pm2 reload starts new workers counting from 0.
 * 4. The comparison, from this run: hotswap's publish → applied on every instance against pm2
 *    reload, and the failed requests of each.
 *
 * Every key of the service and every blob the run stored are deleted from Redis at the end.
 *
 *   node dist/bench/fleet.js [--instances 16] [--releases 20] [--canaries 5] [--pm2-reloads 5]
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { manifestFileName } from '../src/artifact/manifest.js';
import { DRIVE_MS } from '../src/fleet/driver.js';
import { HEARTBEAT_MS } from '../src/fleet/instance-state.js';
import { serviceKeys } from '../src/fleet/keys.js';
import { planFrom } from '../src/fleet/plan.js';
import { publishRelease } from '../src/fleet/release.js';
import { readRolloutEntry, type RolloutState } from '../src/fleet/rollout.js';
import { buildBigPlugin, readTemplate, versionTag, writeVariant, PLUGIN_NAME } from './lib/big-plugin.js';
import { writeBrokenVariant } from './lib/fleet/broken.js';
import { FleetHosts, removeFromRedis, type ProcessState } from './lib/fleet/hosts.js';
import { countsBetween, failedOf, Load, type LoadCounts } from './lib/fleet/load.js';
import { runPm2Cluster, type Pm2Run } from './lib/fleet/pm2-cluster.js';
import { goalLine, printTable } from './lib/report.js';
import { quantile } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '16' },
    releases: { type: 'string', default: '20' },
    canaries: { type: 'string', default: '5' },
    'pm2-reloads': { type: 'string', default: '5' },
  },
});
const INSTANCES = Number(values.instances);
const RELEASES = Number(values.releases);
const CANARIES = Number(values.canaries);
const PM2_RELOADS = Number(values['pm2-reloads']);
for (const [name, value] of Object.entries({ instances: INSTANCES, releases: RELEASES, canaries: CANARIES, 'pm2-reloads': PM2_RELOADS })) {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} takes a whole number of at least 1, got ${String(values[name as keyof typeof values])}`);
}
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const REDIS_SHOWN = REDIS_URL.replace(/\/\/[^@]*@/, '//');
const LOAD_NOTE = 'light load: every instance asked in turn, one request at a time on a new connection, 2 ms apart';

/** The failed canaries' plan, as `hotswap publish --canary 25% --bake 60s --max-error-rate 1%` gives it. */
const CANARY_PLAN = planFrom({ canary: '25%', bake: '60s', maxErrorRate: '1%' });
/** Rolled back everywhere at most this long after the gate failed. */
const ROLLBACK_GOAL_MS = 2000;
/** Between canaries and between pm2 reloads: calm load, a few heartbeats. */
const PAUSE_MS = 1000;

const ms = (value: number): string => value.toFixed(0);
const sum = (numbers: readonly number[]): number => numbers.reduce((a, b) => a + b, 0);
const ratio = (value: number, base: number): string => `${(value / base).toFixed(1)}×`;

/** The sha256 of the plugin's artifact in the build in `buildDir`. */
function artifactSha(buildDir: string): string {
  return (JSON.parse(readFileSync(join(buildDir, manifestFileName(PLUGIN_NAME)), 'utf8')) as { sha256: string }).sha256;
}

/** Every state the service's rollout stream holds, oldest first. */
async function rolloutHistory(redis: Redis, service: string): Promise<RolloutState[]> {
  const entries = await redis.xrange(serviceKeys(service).rollout, '-', '+');
  return entries.map(([id, fields]) => readRolloutEntry(id, fields).state);
}

interface Canary {
  readonly instances: readonly string[];
  /** From the start of the publish: the driver chose the canary, the canary ran the release, the bake started (the gate's baseline). */
  readonly chosenMs: number;
  readonly runsMs: number;
  readonly bakeMs: number;
  readonly gateMs: number;
  readonly backMs: number;
  readonly counts: LoadCounts;
  /** 500s answered by the instances that ran the broken release. */
  readonly canaryErrors: number;
  /** Failed requests otherwise: 500s from instances on the good release, connection errors, timeouts. */
  readonly otherFailures: number;
  readonly reason: string;
}

/**
 * A row of the state table: the processes before the first deploy and after the last (matched by
 * pid), the requests the load had answered by then (every request to `/` comes from the load), and
 * the sum of the counters the processes keep in memory.
 */
function survivalRow(name: string, before: readonly ProcessState[], after: readonly ProcessState[], load: LoadCounts): string[] {
  const pids = new Set(before.map((p) => p.pid));
  const kept = after.filter((p) => pids.has(p.pid)).length;
  const answered = load.requests - load.other;
  const counted = sum(after.map((p) => p.served));
  const verdict = counted === answered ? 'every request counted: kept' : kept === 0 ? 'only since the last deploy: new processes counting from 0' : 'partly lost';
  return [name, String(before.length), `${kept} of ${after.length}`, String(answered), `${counted} (${verdict})`];
}

const dir = mkdtempSync(join(tmpdir(), 'hotswap-bench-fleet-'));
const service = `bench-${randomUUID()}`;
const redis = new Redis(REDIS_URL);
const blobs = new Set<string>();
let hosts: FleetHosts | undefined;
let load: Load | undefined;
try {
  const templateDir = join(dir, 'template');
  const built = await buildBigPlugin(join(dir, 'src'), templateDir, 0);
  const template = await readTemplate(templateDir);
  const megabytes = `${(built.artifactBytes / 1e6).toFixed(1)} MB`;
  /** Writes version `version` of the plugin into a directory of its own (broken: its function throws). */
  const buildDir = async (name: string, version: number, broken = false): Promise<string> => {
    const releaseDir = join(dir, name);
    mkdirSync(releaseDir);
    if (broken) await writeBrokenVariant(template, releaseDir, version);
    else await writeVariant(template, releaseDir, version);
    blobs.add(artifactSha(releaseDir));
    return releaseDir;
  };

  hosts = await FleetHosts.start({ count: INSTANCES, dir, templateDir, service, redisUrl: REDIS_URL });
  const fleet = hosts;
  load = new Load(fleet.ports);
  load.start();
  await delay(PAUSE_MS);
  const processesBefore = await fleet.states();

  // 1. Releases, every instance at once.
  const releasesStart = load.counts();
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const times: number[] = [];
  for (let r = 1; r <= RELEASES; r++) {
    const releaseDir = await buildDir(`release-${r}`, r);
    const version = `r${r}`;
    const started = performance.now();
    const all = fleet.waitFor(`release ${version} applied on every instance`, () => fleet.appliedCount(version) === INSTANCES, 60_000);
    await publishRelease(redis, { service, buildDir: releaseDir, version });
    await all;
    times.push(performance.now() - started);
  }
  const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const releases = countsBetween(releasesStart, load.counts());

  printTable(
    `fleet: publish → applied on every instance, ${INSTANCES} instances, ${RELEASES} releases of a ${megabytes} artifact`,
    [`Redis at ${REDIS_SHOWN}; ${LOAD_NOTE}`],
    ['p50 ms', 'p99 ms', 'max ms', 'requests', 'failed requests', 'Redis memory per release'],
    [[ms(quantile(times, 0.5)), ms(quantile(times, 0.99)), ms(Math.max(...times)), String(releases.requests), String(failedOf(releases)), `${((memoryAfter - memoryBefore) / RELEASES / 1e6).toFixed(2)} MB`]],
  );

  // 2. Failed canaries, rolled back by the health gate.
  const goodVersion = `r${RELEASES + 1}-good`;
  const goodDir = await buildDir('good', RELEASES + 1);
  const goodApplied = fleet.waitFor(`release ${goodVersion} applied on every instance`, () => fleet.appliedCount(goodVersion) === INSTANCES, 60_000);
  const good = await publishRelease(redis, { service, buildDir: goodDir, version: goodVersion });
  await goodApplied;
  await delay(PAUSE_MS);
  const canaries: Canary[] = [];
  for (let r = 1; r <= CANARIES; r++) {
    const brokenDir = await buildDir(`broken-${r}`, RELEASES + 1 + r, true);
    const countsBefore = load.counts();
    const errorsBefore = load.pluginErrorsByTarget();
    // The instances that ran something else than the good release: the broken one; and when the first did.
    const ranBroken = new Set<number>();
    let runsAt = Number.NaN;
    const publishedAt = Date.now();
    // Done once an instance ran the broken release and every instance runs the good one again.
    const back = fleet.waitFor(
      `broken release ${r} rolled back`,
      () => {
        for (const [i, id] of fleet.running.entries()) {
          if (id === good.id || ranBroken.has(i)) continue;
          ranBroken.add(i);
          if (Number.isNaN(runsAt)) runsAt = fleet.changedAt[i] ?? Number.NaN;
        }
        return ranBroken.size > 0 && fleet.running.every((id) => id === good.id);
      },
      CANARY_PLAN.bakeMs + 30_000,
    );
    const brokenId = (await publishRelease(redis, { service, buildDir: brokenDir, version: `r${RELEASES + 1 + r}-broken`, plan: CANARY_PLAN })).id;
    await back.catch(async (error: unknown) => {
      const history = (await rolloutHistory(redis, service)).filter((s) => s.releaseId === brokenId);
      throw new Error(`${String(error)}; the rollout's states: ${history.map((s) => `${s.phase} stage ${s.stage} admitted ${JSON.stringify(s.admitted)} ${s.reason ?? ''}`).join(' | ')}`);
    });
    const backAt = Math.max(...[...ranBroken].map((i) => fleet.changedAt[i] ?? 0));
    const history = (await rolloutHistory(redis, service)).filter((s) => s.releaseId === brokenId);
    const rolledBack = history.find((s) => s.phase === 'rolled-back');
    const chosen = history.find((s) => s.stage === 0);
    if (rolledBack === undefined || chosen === undefined) throw new Error(`broken release ${r}: every instance is back on ${goodVersion}, but the rollout's states lack the canary's stage or the rollback`);
    // Requests still in flight at the rollback are counted with it.
    await delay(PAUSE_MS);
    const counts = countsBetween(countsBefore, load.counts());
    const errors = load.pluginErrorsByTarget().map((n, i) => n - (errorsBefore[i] ?? 0));
    const canaryErrors = sum(errors.filter((_, i) => ranBroken.has(i)));
    canaries.push({
      instances: [...ranBroken].map((i) => `i${i}`),
      chosenMs: chosen.updatedAt - publishedAt,
      runsMs: runsAt - publishedAt,
      bakeMs: (rolledBack.bakeStartedAt ?? Number.NaN) - publishedAt,
      gateMs: rolledBack.updatedAt - publishedAt,
      backMs: backAt - rolledBack.updatedAt,
      counts,
      canaryErrors,
      otherFailures: counts.plugin - canaryErrors + counts.other,
      reason: rolledBack.reason ?? '',
    });
  }
  await load.stop();
  const hotswapLoad = load.counts();
  load = undefined;
  const processesAfter = await fleet.states();
  await fleet.stop();
  hosts = undefined;

  const gate = canaries.map((c) => c.gateMs);
  const backs = canaries.map((c) => c.backMs);
  const totals = canaries.map((c) => c.gateMs + c.backMs);
  const canaryCounts = canaries.reduce((acc, c) => ({ requests: acc.requests + c.counts.requests, canary: acc.canary + c.canaryErrors, other: acc.other + c.otherFailures }), { requests: 0, canary: 0, other: 0 });
  printTable(
    `fleet: failed canary rolled back, ${INSTANCES} instances, ${CANARIES} broken releases (plugin function throws), canary 25%, bake 60 s, max error rate 1%`,
    [
      `Redis at ${REDIS_SHOWN}; ${LOAD_NOTE}; the server answers 500 when the plugin function throws`,
      'gate failed: the `updatedAt` of the rolled-back state the driver wrote; back: the last instance of the canary reporting the good release applied (timestamped as its line arrives, same clock)',
      `canaries: ${canaries.map((c) => c.instances.join('+')).join(', ')}; first gate verdict: ${canaries[0]?.reason ?? '-'}`,
      `p50 from the publish: canary chosen ${ms(quantile(canaries.map((c) => c.chosenMs), 0.5))} ms, canary runs the broken release ${ms(quantile(canaries.map((c) => c.runsMs), 0.5))} ms, bake started (the gate's baseline) ${ms(quantile(canaries.map((c) => c.bakeMs), 0.5))} ms, gate failed ${ms(quantile(gate, 0.5))} ms; the driver steers every ${DRIVE_MS} ms, instances report their call counts every ${HEARTBEAT_MS} ms`,
      goalLine('rolled back everywhere', Math.max(...backs) <= ROLLBACK_GOAL_MS, `max ${ms(Math.max(...backs))} ms after the gate failed`, `≤ ${ROLLBACK_GOAL_MS / 1000} s after the gate fails`),
    ],
    ['publish → gate failed p50 / max ms', 'gate failed → all back p50 / max ms', 'publish → all back p50 / max ms', 'requests', "failed: the canary's own (500)", 'failed otherwise'],
    [
      [
        `${ms(quantile(gate, 0.5))} / ${ms(Math.max(...gate))}`,
        `${ms(quantile(backs, 0.5))} / ${ms(Math.max(...backs))}`,
        `${ms(quantile(totals, 0.5))} / ${ms(Math.max(...totals))}`,
        String(canaryCounts.requests),
        String(canaryCounts.canary),
        String(canaryCounts.other),
      ],
    ],
  );

  // 3. pm2 reload: the same app as cluster workers, a new version of the plugin before each reload.
  const pm2Dir = join(dir, 'pm2-plugins');
  mkdirSync(pm2Dir);
  await writeVariant(template, pm2Dir, 0);
  const pm2: Pm2Run = await runPm2Cluster({ workers: INSTANCES, reloads: PM2_RELOADS, pluginDir: pm2Dir, pauseMs: PAUSE_MS, change: (r) => writeVariant(template, pm2Dir, r) });
  if (pm2.answer !== versionTag(PM2_RELOADS)) throw new Error(`after the last pm2 reload the app answered ${JSON.stringify(pm2.answer)}, not ${versionTag(PM2_RELOADS)}`);
  printTable(
    `pm2 reload, ${INSTANCES} cluster workers, ${PM2_RELOADS} reloads, the same app and ${megabytes} plugin`,
    [
      `pm2 cluster mode: the workers share one port (the cluster's master hands each connection to a worker in turn); the hotswap instances above have one port each, asked in turn`,
      `before each reload a new version of the plugin is written; \`pm2 reload\` starts new workers (each loads the plugin) and stops the old ones (SIGINT: they close their server and exit); timed from the command's spawn to its exit`,
      `${LOAD_NOTE.replace('every instance asked in turn', 'the one port')}${pm2.lastOther === undefined ? '' : `; last failure: ${pm2.lastOther}`}`,
    ],
    ['p50 ms', 'max ms', 'requests', 'failed requests'],
    [[ms(quantile(pm2.reloadMs, 0.5)), ms(Math.max(...pm2.reloadMs)), String(pm2.counts.requests), String(failedOf(pm2.counts))]],
  );

  printTable(
    'state in process memory through deploys: a request counter each process keeps',
    ['processes: under load, before the first deploy; after: once the load stopped, after the last deploy; answered: every request to `/` the load got an answer to'],
    ['', 'processes', 'same process after', 'requests answered', 'sum of the counters after'],
    [
      survivalRow(`hotswap: ${RELEASES + 1} releases, ${CANARIES} rolled-back canaries`, processesBefore, processesAfter, hotswapLoad),
      survivalRow(`pm2: ${PM2_RELOADS} reloads`, pm2.before, pm2.after, pm2.total),
    ],
  );

  // 4. The comparison.
  const hotswapP50 = quantile(times, 0.5);
  const pm2P50 = quantile(pm2.reloadMs, 0.5);
  printTable(
    `hotswap fleet release vs pm2 reload, ${INSTANCES} processes, measured in this run`,
    [
      'hotswap: publishRelease → every instance reports the release applied (section 1, all at once); pm2: `pm2 reload` run to its end (section 3)',
      'pm2: one shared port; hotswap: a port per instance',
      `requests: the load while the deploys ran (hotswap: from the first publish to the last release applied everywhere; pm2: from the first reload to ${PAUSE_MS / 1000} s after the last, with ${PAUSE_MS / 1000} s between reloads)`,
    ],
    ['deploy', 'p50 ms', 'max ms', 'requests', 'failed requests', 'p50 vs hotswap'],
    [
      [`hotswap, ${INSTANCES} instances`, ms(hotswapP50), ms(Math.max(...times)), String(releases.requests), String(failedOf(releases)), ratio(hotswapP50, hotswapP50)],
      [`pm2 reload, ${INSTANCES} workers`, ms(pm2P50), ms(Math.max(...pm2.reloadMs)), String(pm2.counts.requests), String(failedOf(pm2.counts)), ratio(pm2P50, hotswapP50)],
    ],
  );
} finally {
  await load?.stop();
  await hosts?.stop();
  await removeFromRedis(redis, service, blobs).catch((error: unknown) => process.stderr.write(`cleaning Redis failed: ${String(error)}\n`));
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
