/**
 * A node:cluster operated as one target: the primary's control socket fans status, reload,
 * rollback and hotfix out to its two workers. A reload refused by one worker is undone in the other
 * (all or none); a hotfix goes to one worker at a time, out of rotation, while keep-alive clients
 * load the cluster: not one request fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, run, type CliResult } from '../../examples/shared/processes.js';
import { buildPlugins } from '../../src/build/index.js';
import { makeTempDir, writePlugin } from '../helpers/build-fixture.js';
import { pluginSource } from '../helpers/plugin-source.js';
import { TEST_MS, WAIT_MS, within, withTimeout } from '../helpers/timeout.js';

const href = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);

const APP = 'exports.answer = function answer() { return 1; };\n';

// The primary starts a control server and two workers; each worker serves HTTP with its plugin's
// version and app.answer(), and has its own control server with a hotfix engine.
const HOST = `
import cluster from 'node:cluster';
import http from 'node:http';
import { createRequire } from 'node:module';
import { PluginManager } from ${href('../../src/index.js')};
import { startControl } from ${href('../../src/control/index.js')};
import { createHotfixEngine } from ${href('../../src/hotfix/index.js')};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
if (cluster.isPrimary) {
  await startControl({ logger: silent });
  let ready = 0;
  for (let i = 0; i < 2; i++) {
    cluster.fork().on('message', (message) => {
      if (message.port !== undefined && ++ready === 2) process.stdout.write('ready ' + message.port + '\\n');
    });
  }
} else {
  const app = createRequire(import.meta.url)('./app.cjs');
  const manager = new PluginManager({ pluginDir: process.argv[2], logger: silent, freeDelay: 0 });
  const loaded = await manager.load();
  if (!loaded.ok) throw loaded.error;
  const server = http.createServer((req, res) => res.end(cluster.worker.id + ' ' + manager.invoke('p', 'version') + ' ' + app.answer()));
  server.listen(0, '127.0.0.1', async () => {
    await startControl({ manager, hotfix: createHotfixEngine({ logger: silent }), servers: [server], logger: silent });
    process.send({ port: server.address().port });
  });
}
`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

interface LoadResult {
  readonly answered: number;
  readonly failures: readonly string[];
  /** How many answers each body got (`<worker> <version> <answer>`). */
  readonly bodies: ReadonlyMap<string, number>;
}

/** Keep-alive clients asking `port` back to back until stopped. */
function keepAliveLoad(port: number, connections: number): { stop: () => Promise<LoadResult> } {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const bodies = new Map<string, number>();
  const failures: string[] = [];
  let answered = 0;
  let stopping = false;
  const once = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, agent, timeout: WAIT_MS }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${String(res.statusCode)}`))));
      });
      req.on('timeout', () => req.destroy(new Error('no answer in time')));
      req.on('error', reject);
    });
  const loops = Array.from({ length: connections }, async () => {
    while (!stopping) {
      try {
        const body = await once();
        answered++;
        bodies.set(body, (bodies.get(body) ?? 0) + 1);
      } catch (error) {
        failures.push(String(error));
      }
    }
  });
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
      return { answered, failures, bodies };
    },
  };
}

/** One answer per new connection, until every worker has answered (bounded): what each serves. */
async function answers(port: number): Promise<string[]> {
  const seen = new Map<string, string>();
  await within(
    (async () => {
      while (seen.size < 2) {
        const body = await new Promise<string>((resolve, reject) => {
          get({ host: '127.0.0.1', port, agent: false }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve(text));
          }).on('error', reject);
        });
        seen.set(body.split(' ')[0] ?? '', body);
      }
    })(),
    WAIT_MS,
    () => 'an answer from both workers',
  );
  return [...seen.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([, body]) => body);
}

test('a cluster is one target: status, all-or-none reload and rollback, hotfix one worker at a time out of rotation', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const env = { ...process.env, HOTSWAP_RUNTIME_DIR: join(tmp.path, 'runtime'), HOTSWAP_NAME: 'cluster-e2e' };
  const outDir = join(tmp.path, 'build');
  const build = async (tag: string, members = '', prelude = ''): Promise<void> => {
    const dir = writePlugin(join(tmp.path, 'src'), 'p', { 'index.ts': pluginSource(`functions: { version: () => '${tag}' }, ${members}`, prelude) });
    await buildPlugins({ pluginDirs: [dir], outDir, version: tag });
  };
  await build('v1');
  writeFileSync(join(tmp.path, 'app.cjs'), APP);
  writeFileSync(join(tmp.path, 'host.mjs'), HOST);
  // Its own process group: the workers go with the primary whatever happens.
  const host = spawn(process.execPath, ['host.mjs', outDir], { cwd: tmp.path, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  t.after(() => {
    try {
      process.kill(-(host.pid ?? 0), 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  let out = '';
  host.stdout.setEncoding('utf8');
  const ready = await withTimeout(
    new Promise<RegExpExecArray>((resolve) =>
      host.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /ready (\d+)\n/.exec(out);
        if (match !== null) resolve(match);
      }),
    ),
    WAIT_MS,
    () => `the cluster to be ready; it printed: ${out}`,
  );
  const port = Number(ready[1]);
  const primary = String(host.pid);
  const cli = (...args: string[]): Promise<CliResult> => withTimeout(run(process.execPath, [CLI, ...args], tmp.path, env), WAIT_MS, `hotswap ${args.join(' ')}`);

  const status = await cli('status', primary, '--json');
  assert.equal(status.code, 0, status.stderr);
  const workers = (JSON.parse(status.stdout) as { cluster: { workers: { worker: number; status: { manager: { current: { plugins: { name: string; version: string }[] } } } }[] } }).cluster.workers;
  assert.deepEqual(workers.map((w) => [w.worker, w.status.manager.current.plugins.map((p) => `${p.name}@${p.version}`)]), [[1, ['p@v1']], [2, ['p@v1']]]);
  const readable = await cli('status', primary);
  assert.match(readable.stdout, /\nworker 1 \(pid \d+\):\n {2}cluster-e2e/);

  // The primary's event stream carries every worker's events, each naming its worker.
  const events = spawn(process.execPath, [CLI, 'events', primary, '--json'], { cwd: tmp.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => events.kill('SIGKILL'));
  let eventLines = '';
  let eventErr = '';
  events.stdout.setEncoding('utf8').on('data', (chunk: string) => (eventLines += chunk));
  await withTimeout(
    new Promise<void>((resolve) =>
      events.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        eventErr += chunk;
        if (eventErr.includes('following')) resolve();
      }),
    ),
    WAIT_MS,
    () => `hotswap events to follow the cluster; it printed: ${eventErr}`,
  );
  const reloadEnds = withTimeout(
    new Promise<number[]>((resolve) =>
      events.stdout.on('data', () => {
        const workersDone = eventLines
          .split('\n')
          .filter((line) => line.includes('"hotswap:reload:end"'))
          .map((line) => (JSON.parse(line) as { worker: { worker: number } }).worker.worker)
          .sort();
        if (workersDone.length >= 2) resolve(workersDone);
      }),
    ),
    WAIT_MS,
    () => `a reload:end event from each worker; the stream printed: ${eventLines}`,
  );

  await build('v2');
  const reloaded = await cli('reload', primary);
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.match(reloaded.stdout, /^reload: done in 2 worker\(s\)/);
  assert.match(reloaded.stdout, /worker 1 \(pid \d+\): generation 2 is current: p v1 -> v2\n/);
  assert.deepEqual(await answers(port), ['1 v2 1', '2 v2 1']);
  assert.deepEqual(await reloadEnds, [1, 2]);
  events.kill('SIGINT');

  // v3 refuses to load in worker 2 only: worker 1, which had swapped, goes back to v2.
  await build('v3', "onLoad() { if (cluster.worker?.id === 2) throw new Error('worker 2 refuses v3'); },", "import cluster from 'node:cluster';");
  const refused = await cli('reload', primary, '--json');
  assert.equal(refused.code, 1, refused.stderr);
  const outcome = JSON.parse(refused.stdout) as { ok: boolean; failedWorker: { worker: number }; error: { code: string; message: string }; restored: { worker: number; outcome: { ok: boolean; rolledBackTo: number } }[] };
  assert.equal(outcome.ok, false);
  assert.equal(outcome.failedWorker.worker, 2);
  assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOOK_FAILED');
  assert.match(outcome.error.message, /^worker 2 \(pid \d+\): .*worker 2 refuses v3/);
  assert.deepEqual(outcome.restored.map((r) => [r.worker, r.outcome.ok, r.outcome.rolledBackTo]), [[1, true, 2]]);
  assert.deepEqual(await answers(port), ['1 v2 1', '2 v2 1']);

  // A hotfix under keep-alive load: one worker at a time, each out of rotation; no request fails.
  const patch = join(tmp.path, 'patch.json');
  writeFileSync(patch, JSON.stringify({ version: 'p1', files: [{ file: 'app.cjs', baseHash: sha256(APP), source: APP.replace('1', '2') }] }));
  const load = keepAliveLoad(port, 8);
  const applied = await cli('hotfix', 'apply', primary, patch, '--json');
  const during = await load.stop();
  assert.equal(applied.code, 0, applied.stderr);
  const hotfix = JSON.parse(applied.stdout) as { ok: boolean; workers: { worker: number; outcome: { ok: boolean }; rotation: { left: boolean; connectionsLeft: number } }[] };
  assert.deepEqual(hotfix.workers.map((w) => [w.worker, w.outcome.ok, w.rotation.left]), [[1, true, true], [2, true, true]]);
  assert.deepEqual(during.failures, [], 'no request failed during the hotfix');
  assert.ok(during.answered > 0);
  assert.deepEqual(await answers(port), ['1 v2 2', '2 v2 2']);

  writeFileSync(patch, JSON.stringify({ version: 'p2', files: [{ file: 'app.cjs', baseHash: 'f'.repeat(64), source: APP }] }));
  const badPatch = await cli('hotfix', 'apply', primary, patch);
  assert.equal(badPatch.code, 1);
  assert.match(badPatch.stderr, /^hotfix apply failed in worker 1 \(pid \d+\).*\nerror HOTSWAP_ERR_HOTFIX_BASE_MISMATCH/);
  const list = await cli('hotfix', 'list', primary, '--json');
  assert.deepEqual((JSON.parse(list.stdout) as { workers: { patches: { version: string }[] }[] }).workers.map((w) => w.patches.map((p) => p.version)), [['p1'], ['p1']]);

  const reverted = await cli('hotfix', 'revert', primary, 'p1');
  assert.equal(reverted.code, 0, reverted.stderr);
  assert.deepEqual(await answers(port), ['1 v2 1', '2 v2 1']);

  // Back to v1 in both: the v3 that worker 2 refused is no rollback target in worker 1.
  const back = await cli('rollback', primary);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(await answers(port), ['1 v1 1', '2 v1 1']);
});
