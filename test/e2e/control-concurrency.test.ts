/**
 * The control plane under concurrency, end to end: a real host process (an HTTP server answering
 * from a plugin, a PluginManager, a hotfix engine, a control server) under HTTP load from
 * autocannon while 100 control connections are open at once, each asking for status, the patch
 * list and events, and five of them for a reload of a plugin rebuilt meanwhile; then two CLIs at
 * once (status and reload). No HTTP request fails, every control call is answered, every reload
 * succeeds and every subscriber sees the swap. The load runs until the control work is done, and
 * everything is awaited on what the processes say, never on time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../../examples/shared/processes.js';
import { buildPlugins } from '../../src/build/index.js';
import { connectControl, type ControlClient, type ControlEvent } from '../../src/control/index.js';
import { makeTempDir, writePlugin } from '../helpers/build-fixture.js';
import { FollowedProcess } from '../helpers/followed-process.js';
import { pluginSource } from '../helpers/plugin-source.js';
import { TEST_MS, WAIT_MS, within, withTimeout } from '../helpers/timeout.js';

const src = (path: string): string => JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);

// The host: HTTP answers come from the plugin; it prints one JSON line when it listens and answers on its control socket.
const HOST = `
import { createServer } from 'node:http';
import { PluginManager } from ${src('index.js')};
import { startControl } from ${src('control/index.js')};
import { createHotfixEngine } from ${src('hotfix/index.js')};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const manager = new PluginManager({ pluginDir: process.argv[2], logger: silent });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
const control = await startControl({ manager, hotfix: createHotfixEngine({ logger: silent }), logger: silent });
const server = createServer((req, res) => {
  Promise.resolve()
    .then(() => manager.invoke('p', 'version'))
    .then(
      (version) => res.writeHead(200, { 'content-type': 'text/plain' }).end(String(version)),
      (error) => res.writeHead(500).end(String(error)),
    );
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ event: 'ready', port: server.address().port, socket: control.socketPath }) + '\\n');
});
`;

interface AutocannonResult {
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly requests: { readonly total: number };
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number) => void): void;
  stop(): void;
}

type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;

interface ReloadAnswer {
  readonly ok: boolean;
  readonly changed?: boolean;
  readonly generation?: number;
  readonly details?: readonly { name: string; version: string; previousVersion?: string }[];
}

interface StatusAnswer {
  readonly pid: number;
  readonly manager: { readonly reloadCount: number; readonly current: { readonly plugins: readonly { name: string; version: string }[] } } | null;
  readonly hotfix: readonly unknown[] | null;
}

/** One GET of the host: status code and body. */
function fetchOnce(port: number): Promise<{ status: number | undefined; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
    }),
    WAIT_MS,
    'an HTTP answer from the host',
  );
}

const CLIENTS = 100;
/** Every 20th client also reloads: five reloads asked at once. */
const reloads = (i: number): boolean => i % 20 === 0;

test('100 control clients at once and two CLIs, under HTTP load: every call answered, every reload ok, no request failed', { timeout: TEST_MS }, async (t) => {
  // Stopped in reverse order of start, also when the test fails or times out.
  const stops: Array<() => unknown> = [];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  const tmp = makeTempDir();
  stops.push(tmp.cleanup);
  const env = { ...process.env, HOTSWAP_RUNTIME_DIR: join(tmp.path, 'runtime'), HOTSWAP_NAME: 'concurrency-e2e' };
  const outDir = join(tmp.path, 'build');
  const build = async (tag: string): Promise<void> => {
    const dir = writePlugin(join(tmp.path, 'src'), 'p', { 'index.ts': pluginSource(`functions: { version: () => '${tag}' }`) });
    await buildPlugins({ pluginDirs: [dir], outDir, version: tag });
  };
  /** A child process, killed (and awaited) when the test ends. */
  const start = (args: readonly string[]): FollowedProcess => {
    const child = new FollowedProcess(spawn(process.execPath, args, { cwd: tmp.path, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    stops.push(async () => {
      if (!child.isClosed) child.child.kill('SIGKILL');
      await within(child.closed, WAIT_MS, () => `${args.join(' ')} to exit after SIGKILL`);
    });
    return child;
  };

  await build('v1');
  writeFileSync(join(tmp.path, 'host.mjs'), HOST);
  const host = start(['host.mjs', outDir]);
  const ready = JSON.parse(await host.line(/"event":"ready"/, WAIT_MS)) as { port: number; socket: string };
  const pid = host.child.pid as number;

  // The load: keep-alive connections, each sending its next request once the last is answered, until stopped.
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const load = autocannon({ url: `http://127.0.0.1:${ready.port}/`, connections: 8, duration: TEST_MS / 1000, sampleInt: 100 });
  let stopped = false;
  const stopLoad = (): Promise<AutocannonResult> => {
    if (!stopped) load.stop();
    stopped = true;
    return withTimeout(Promise.resolve(load), WAIT_MS, 'autocannon to stop');
  };
  stops.push(stopLoad);
  let answered = 0;
  let flowing = (): void => {};
  const loadFlows = new Promise<void>((resolve) => (flowing = resolve));
  load.on('response', () => {
    if (++answered >= 200) flowing();
  });
  await withTimeout(loadFlows, WAIT_MS, 'the first 200 HTTP answers');

  await build('v2');
  const answeredBefore = answered;
  const connected = await Promise.allSettled(Array.from({ length: CLIENTS }, () => connectControl(ready.socket, { timeoutMs: WAIT_MS })));
  const clients = connected.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
  stops.push(() => clients.forEach((client) => client.close()));
  assert.deepEqual(
    connected.flatMap((c) => (c.status === 'rejected' ? [String(c.reason)] : [])),
    [],
    'every client connects and says hello',
  );

  // Each subscriber's view of the swap: the reload:end event of the reload that changed something.
  const swapsSeen: Promise<ReloadAnswer>[] = [];
  const subscriptions = clients.map((client: ControlClient) => {
    let seen = (_outcome: ReloadAnswer): void => {};
    swapsSeen.push(new Promise<ReloadAnswer>((resolve) => (seen = resolve)));
    return client.subscribe((event: ControlEvent) => {
      const outcome = (event.message as { outcome?: ReloadAnswer }).outcome;
      if (event.channel === 'hotswap:reload:end' && outcome?.ok === true && outcome.changed === true) seen(outcome);
    });
  });
  // Every events.subscribe answered before the first reload is asked for.
  const subscribed = await Promise.allSettled(subscriptions);
  assert.deepEqual(subscribed.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : [])), [], 'every events.subscribe is answered');

  const calls = clients.flatMap((client, i) => [
    { what: `client ${i}: status`, answer: client.call('status') },
    { what: `client ${i}: hotfix.list`, answer: client.call('hotfix.list') },
    ...(reloads(i) ? [{ what: `client ${i}: reload`, answer: client.call('reload', { data: { client: i } }, WAIT_MS) }] : []),
  ]);
  const settled = await Promise.allSettled(calls.map((c) => c.answer));
  assert.deepEqual(
    settled.flatMap((s, i) => (s.status === 'rejected' ? [`${calls[i]?.what}: ${String(s.reason)}`] : [])),
    [],
    'every control call is answered, none with an error',
  );
  const answers = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  for (const [i, call] of calls.entries()) {
    const answer = answers[i];
    if (call.what.endsWith('status')) assert.equal((answer as StatusAnswer).pid, pid, call.what);
    if (call.what.endsWith('hotfix.list')) assert.deepEqual(answer, [], call.what);
  }
  const outcomes = calls.flatMap((call, i) => (call.what.endsWith('reload') ? [answers[i] as ReloadAnswer] : []));
  assert.equal(outcomes.length, CLIENTS / 20);
  for (const outcome of outcomes) assert.equal(outcome.ok, true, JSON.stringify(outcome));
  const swaps = outcomes.filter((o) => o.changed === true);
  assert.equal(swaps.length, 1, `one reload swaps v2 in, the others find nothing new: ${JSON.stringify(outcomes)}`);
  for (const swap of swaps) assert.deepEqual(swap.details?.map((d) => [d.name, d.previousVersion, d.version]), [['p', 'v1', 'v2']]);

  const seen = await withTimeout(Promise.all(swapsSeen), WAIT_MS, 'every subscriber to get the reload:end event of the swap');
  for (const outcome of seen) assert.equal(outcome.generation, swaps[0]?.generation);
  const status = (await clients[1]?.call('status')) as StatusAnswer;
  assert.deepEqual(status.manager?.current.plugins.map((p) => `${p.name}@${p.version}`), ['p@v2']);
  assert.equal(status.manager?.reloadCount, 1, 'one swap, however many reloads were asked at once');
  for (const client of clients) client.close();
  assert.ok(answered > answeredBefore, 'the host served HTTP while the control clients worked');

  // Two CLIs at once, still under load: status, and a reload of a third version.
  await build('v3');
  const answeredBeforeCli = answered;
  const [statusCli, reloadCli] = [start([CLI, 'status', String(pid), '--json']), start([CLI, 'reload', String(pid), '--json'])];
  const [statusEnd, reloadEnd] = await Promise.all(
    [statusCli, reloadCli].map((cli, i) => within(cli.closed, WAIT_MS, () => `hotswap ${i === 0 ? 'status' : 'reload'} to exit; stderr: ${cli.stderr}`)),
  );
  assert.equal(statusEnd?.code, 0, statusCli.stderr);
  assert.equal(reloadEnd?.code, 0, reloadCli.stderr);
  const cliStatus = JSON.parse(statusCli.stdout) as StatusAnswer;
  assert.equal(cliStatus.pid, pid);
  assert.ok(['p@v2', 'p@v3'].includes(cliStatus.manager?.current.plugins.map((p) => `${p.name}@${p.version}`).join() ?? ''), statusCli.stdout);
  const cliReload = JSON.parse(reloadCli.stdout) as ReloadAnswer;
  assert.equal(cliReload.ok, true, reloadCli.stdout);
  assert.deepEqual(cliReload.details?.map((d) => [d.name, d.previousVersion, d.version]), [['p', 'v2', 'v3']]);
  assert.ok(answered > answeredBeforeCli, 'the host served HTTP while the CLIs ran');

  const result = await stopLoad();
  t.diagnostic(`HTTP: ${result.requests.total} requests, ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  assert.ok(result.requests.total > 0);
  assert.deepEqual({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }, { errors: 0, timeouts: 0, non2xx: 0 }, 'no HTTP request failed');
  assert.deepEqual(await fetchOnce(ready.port), { status: 200, body: 'v3' }, 'the host still serves, from the new version');
});
