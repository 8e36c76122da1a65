/**
 * Request latency while a LiveEdit hotfix is applied: one process, against a node:cluster of
 * workers patched one at a time out of rotation through the primary's control socket.
 *
 *   node dist/bench/cluster-hotfix.js [--workers 4] [--heap-mb 300] [--connections 16] [--runs 2]
 *
 * Each server process (the single one, or each worker) fills its heap with --heap-mb of small
 * objects (the shape that makes LiveEdit's heap walk slow, see hotfix-pause), serves HTTP, and
 * answers on its control socket with a hotfix engine; workers register their server so the primary
 * can take them out of rotation. Keep-alive clients (--connections) ask back to back; the patch is
 * applied with the real CLI (`hotswap hotfix apply <pid>`), then reverted, and each request's
 * latency is recorded from 200 ms before the apply to its end. The table gives, per setup, the
 * apply's wall time, each process's pause, and the max and p99 request latency in that window, and
 * the failed requests (a request must never fail).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CLI, run } from '../examples/shared/processes.js';
import { machineLine, printTable } from './lib/report.js';
import { quantile } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '4' },
    'heap-mb': { type: 'string', default: '300' },
    connections: { type: 'string', default: '16' },
    runs: { type: 'string', default: '2' },
  },
});
const WORKERS = Number(values.workers);
const HEAP_MB = Number(values['heap-mb']);
const CONNECTIONS = Number(values.connections);
const RUNS = Number(values.runs);

const href = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);
const APP = 'exports.answer = function answer() { return 1; };\n';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

// argv: <workers> <heap MB>; 0 workers: one process. Prints "ready <port>" once every server answers.
const HOST = `
import cluster from 'node:cluster';
import http from 'node:http';
import { createRequire } from 'node:module';
import { startControl } from ${href('../src/control/index.js')};
import { createHotfixEngine } from ${href('../src/hotfix/index.js')};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const workers = Number(process.argv[2]);
const heapMb = Number(process.argv[3]);
if (cluster.isPrimary && workers > 0) {
  await startControl({ logger: silent });
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (m) => { if (m.port !== undefined && ++ready === workers) process.stdout.write('ready ' + m.port + '\\n'); });
  }
} else {
  const app = createRequire(import.meta.url)('./app.cjs');
  const retained = [];
  let n = 0;
  while (process.memoryUsage().heapUsed < heapMb * 1e6) {
    const chunk = new Array(50000);
    for (let i = 0; i < chunk.length; i++, n++) chunk[i] = { id: n, name: 'item-' + n };
    retained.push(chunk);
  }
  globalThis.retained = retained;
  const server = http.createServer((req, res) => res.end(String(app.answer())));
  server.listen(0, '127.0.0.1', async () => {
    await startControl({ hotfix: createHotfixEngine({ logger: silent }), servers: [server], logger: silent });
    if (cluster.isWorker) process.send({ port: server.address().port });
    else process.stdout.write('ready ' + server.address().port + '\\n');
  });
}
`;

interface Sample {
  readonly at: number;
  readonly ms: number;
}

/** Keep-alive clients asking back to back; each answer's end time and latency, and the failures. */
function load(port: number, connections: number): { stop: () => Promise<{ samples: Sample[]; failed: number }> } {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const samples: Sample[] = [];
  let failed = 0;
  let stopping = false;
  const once = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      get({ host: '127.0.0.1', port, agent, timeout: 60_000 }, (res) => {
        res.resume().on('end', () => {
          const now = performance.now();
          samples.push({ at: now, ms: now - started });
          if (res.statusCode === 200) resolve();
          else reject(new Error(`status ${String(res.statusCode)}`));
        });
      }).on('error', reject);
    });
  const loops = Array.from({ length: connections }, async () => {
    while (!stopping) {
      const started = performance.now();
      // A failed request counts with the time it took to fail.
      await once().catch(() => {
        failed++;
        const now = performance.now();
        samples.push({ at: now, ms: now - started });
      });
    }
  });
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
      return { samples, failed };
    },
  };
}

interface RunResult {
  readonly applyMs: number;
  readonly pausesMs: readonly number[];
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly failed: number;
}

async function measure(dir: string, workers: number): Promise<RunResult> {
  const env = { ...process.env, HOTSWAP_RUNTIME_DIR: join(dir, 'runtime') };
  const host: ChildProcess = spawn(process.execPath, ['host.mjs', String(workers), String(HEAP_MB)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      host.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /ready (\d+)/.exec(out);
        if (match !== null) resolve(Number(match[1]));
      });
      host.once('exit', (code) => reject(new Error(`the host exited (${String(code)}) before it was ready`)));
    });
    const patch = join(dir, 'patch.json');
    writeFileSync(patch, JSON.stringify({ version: 'p1', files: [{ file: 'app.cjs', baseHash: sha256(APP), source: APP.replace('1', '2') }] }));
    const clients = load(port, CONNECTIONS);
    await delay(1000); // Steady state before the window: not synchronisation, a warm-up.
    const from = performance.now();
    await delay(200);
    const applyStarted = performance.now();
    const applied = await run(process.execPath, [CLI, 'hotfix', 'apply', String(host.pid), patch, '--json'], dir, env);
    const to = performance.now();
    const { samples, failed } = await clients.stop();
    if (applied.code !== 0) throw new Error(`the apply failed: ${applied.stdout}${applied.stderr}`);
    const outcome = JSON.parse(applied.stdout) as { pauseMs?: number; workers?: { outcome: { pauseMs: number } }[] };
    const pausesMs = outcome.workers === undefined ? [outcome.pauseMs ?? Number.NaN] : outcome.workers.map((w) => w.outcome.pauseMs);
    // Every request answered during the window (its end inside it; a request stalled by the apply ends after it).
    const window = samples.filter((s) => s.at >= from && s.at - s.ms <= to).map((s) => s.ms);
    await run(process.execPath, [CLI, 'hotfix', 'revert', String(host.pid), 'p1'], dir, env);
    return { applyMs: to - applyStarted, pausesMs, maxMs: window.reduce((a, b) => Math.max(a, b), 0), p99Ms: quantile(window, 0.99), requests: window.length, failed };
  } finally {
    try {
      process.kill(-(host.pid ?? 0), 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hotswap-cluster-hotfix-'));
try {
  writeFileSync(join(dir, 'app.cjs'), APP);
  writeFileSync(join(dir, 'host.mjs'), HOST);
  const rows: string[][] = [];
  const results = new Map<string, RunResult[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const [label, workers] of [['one process', 0], [`cluster of ${WORKERS}, one worker at a time`, WORKERS]] as const) {
      const result = await measure(dir, workers);
      results.set(label, [...(results.get(label) ?? []), result]);
      rows.push([
        label,
        String(run + 1),
        result.applyMs.toFixed(0),
        result.pausesMs.map((p) => p.toFixed(0)).join(' / '),
        result.maxMs.toFixed(1),
        result.p99Ms.toFixed(1),
        String(result.requests),
        String(result.failed),
      ]);
    }
  }
  printTable(
    `cluster-hotfix: request latency during a LiveEdit hotfix, ${HEAP_MB} MB heap of small objects per server process, ${CONNECTIONS} keep-alive clients`,
    [machineLine(), 'apply: `hotswap hotfix apply` from start to exit; pause: each process\'s own stop, from its outcome; max/p99: requests answered in the window from 200 ms before the apply to its end'],
    ['setup', 'run', 'apply ms', 'pause ms (per process)', 'max latency ms', 'p99 ms', 'requests', 'failed'],
    rows,
  );
  const worst = (label: string): number => Math.max(...(results.get(label) ?? []).map((r) => r.maxMs));
  const single = worst('one process');
  const clustered = worst(`cluster of ${WORKERS}, one worker at a time`);
  console.log(`\nworst max latency: one process ${single.toFixed(0)} ms, cluster ${clustered.toFixed(0)} ms (${(clustered / single).toFixed(3)}x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
