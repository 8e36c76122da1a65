/**
 * The fleet benchmark's comparison: the same app (PM2_APP_SOURCE, sources.ts: a PluginManager
 * over the big plugin, no fleet) as pm2 cluster workers, deployed by `pm2 reload`. pm2 is the
 * devDependency, run by this Node with a private PM2_HOME in a temporary directory, so a pm2 the
 * user runs is never touched; `pm2 kill` ends its daemon and workers at the end, also on failure,
 * and the directory is removed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../compare/workspace.js';
import { timed } from '../control/setup.js';
import { ask, countsBetween, Load, type LoadCounts } from './load.js';
import type { ProcessState } from './hosts.js';
import { PM2_APP_SOURCE } from './sources.js';

const PM2 = createRequire(import.meta.url).resolve('pm2/bin/pm2');
const APP_NAME = 'hotswap-bench-fleet';

export interface Pm2Run {
  readonly port: number;
  /** How long each `pm2 reload` command took, from its spawn to its exit (ms). */
  readonly reloadMs: readonly number[];
  /** The load during the reloads (from just before the first to `pauseMs` after the last). */
  readonly counts: LoadCounts;
  /** The load over the whole run, from the workers' start. */
  readonly total: LoadCounts;
  readonly lastOther: string | undefined;
  /** The workers before the first reload and after the last: pid and request counter. */
  readonly before: readonly ProcessState[];
  readonly after: readonly ProcessState[];
  /** What `/` answered after the last reload: the plugin version the workers run. */
  readonly answer: string;
}

interface Ran {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

/** `pm2 ...args` run to its end and timed (the control bench's runner); the last 4,000 characters of its output kept. */
async function run(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Ran> {
  const ran = await timed([PM2, ...args], env, timeoutMs);
  return { code: ran.code, output: (ran.stdout + ran.stderr).slice(-4000), ms: ran.ms };
}

async function mustRun(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const ran = await run(args, env);
  if (ran.code !== 0) throw new Error(`pm2 ${args.join(' ')} exited ${String(ran.code)}:\n${ran.output}`);
  return ran;
}

/**
 * The workers answering on the shared port: `/state` asked (a new connection each, which the
 * cluster hands to the workers in turn) until `workers` distinct pids answered, at most `timeoutMs`.
 */
async function workerStates(port: number, workers: number, timeoutMs: number): Promise<ProcessState[]> {
  const seen = new Map<number, ProcessState>();
  const deadline = performance.now() + timeoutMs;
  while (seen.size < workers) {
    if (performance.now() > deadline) throw new Error(`only ${seen.size} of ${workers} pm2 workers answered on port ${port} within ${timeoutMs} ms`);
    try {
      const reply = await ask(port, '/state', 2000);
      if (reply.status === 200) {
        const state = JSON.parse(reply.body) as ProcessState;
        seen.set(state.pid, state);
        continue;
      }
    } catch {
      // Not listening yet.
    }
    await delay(50);
  }
  return [...seen.values()].sort((a, b) => a.pid - b.pid);
}

/**
 * Starts `workers` pm2 cluster workers of the app over the plugins in `pluginDir`, waits until
 * each answers, then, `reloads` times under the load and `pauseMs` apart, calls `change(r)` (which
 * writes the next version of the plugins into `pluginDir`) and runs `pm2 reload`.
 */
export async function runPm2Cluster(options: {
  readonly workers: number;
  readonly reloads: number;
  readonly pluginDir: string;
  readonly pauseMs: number;
  readonly change: (reload: number) => Promise<unknown>;
}): Promise<Pm2Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hotswap-bench-fleet-pm2-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PM2_HOME: join(dir, 'pm2'),
    PM2_DISABLE_VERSION_CHECK: 'true',
    APP_PLUGIN_DIR: options.pluginDir,
    PORT: String(port),
    HOTSWAP_RUNTIME_DIR: join(dir, 'runtime'),
  };
  let daemon = false;
  const load = new Load([port]);
  try {
    const script = join(dir, 'app.mjs');
    writeFileSync(script, PM2_APP_SOURCE);
    daemon = true;
    await mustRun(['start', script, '-i', String(options.workers), '--name', APP_NAME], env);
    await workerStates(port, options.workers, 120_000);
    load.start();
    await delay(options.pauseMs);
    const before = await workerStates(port, options.workers, 30_000);
    const reloadMs: number[] = [];
    const first = load.counts();
    for (let r = 1; r <= options.reloads; r++) {
      if (r > 1) await delay(options.pauseMs);
      await options.change(r);
      reloadMs.push((await mustRun(['reload', APP_NAME], env)).ms);
    }
    // A pause after the last reload too: old workers may still be answering what they had.
    await delay(options.pauseMs);
    const counts = countsBetween(first, load.counts());
    await load.stop();
    const total = load.counts();
    const after = await workerStates(port, options.workers, 30_000);
    const answer = (await ask(port, '/')).body;
    return { port, reloadMs, counts, total, lastOther: load.lastOther, before, after, answer };
  } finally {
    await load.stop();
    // Only with a daemon to end: `pm2 kill` with none would start one first.
    if (daemon) {
      const killed = await run(['kill'], env).catch((error: unknown) => ({ code: -1, output: String(error), ms: 0 }));
      if (killed.code !== 0) process.stderr.write(`pm2 kill exited ${String(killed.code)}:\n${killed.output}\n`);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
