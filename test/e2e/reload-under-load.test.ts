/**
 * Reloads under real load, end to end: real hosts in child processes, real builds, real traffic over
 * loopback sockets. Short versions of the benchmarks (bench/compare-ws.ts): they assert behaviour
 * (nothing fails, nothing is dropped or lost, state is kept, memory is given back), never time.
 * Everything is awaited on what the processes say (JSON lines, answers), never on sleeps.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Fleet, type FleetReport } from '../../bench/lib/ws/clients.js';
import { ServerProcess, type ServerEvent } from '../../bench/lib/ws/process.js';
import { buildVersions, installVersion, type BuiltVersion } from '../../bench/lib/ws/protocol.js';
import { Load } from '../../examples/hello/load.js';
import { HostProcess, type HostEvent } from '../../examples/hello/processes.js';
import { buildPlugins } from '../../src/build/index.js';

/** dist/test/e2e/ → examples/hello/plugins/hello/ in the source tree. */
const HELLO_SOURCE = fileURLToPath(new URL('../../../examples/hello/plugins/hello/', import.meta.url));
const signals = process.platform !== 'win32';
const MB = 1e6;

async function tempDir(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-e2e-load-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

function versionOf(outcome: HostEvent): string | undefined {
  return (outcome.details as { version: string }[] | undefined)?.[0]?.version;
}

/** Nothing dropped, lost, out of order or wrong, and each connection's counter went on by one. */
function assertClean(report: FleetReport, connections: number): void {
  const why = report.failures.join('; ');
  assert.equal(report.dropped, 0, `dropped connections: ${why}`);
  assert.equal(report.opens, connections, 'every connection opened once, none reopened');
  assert.equal(report.lost, 0, `lost messages: ${why}`);
  assert.equal(report.received, report.sent, 'every message answered');
  assert.equal(report.outOfOrder, 0, `replies out of order: ${why}`);
  assert.equal(report.errors, 0, `error replies: ${why}`);
  assert.equal(report.counterBreaks, 0, `per-connection counter broken: ${why}`);
  assert.equal(report.counterRestarts, 0, 'no per-connection counter started over');
  assert.equal(report.boundReached, false, 'the load ended by stop(), not by a bound');
}

/** Resolves once the server has printed (or prints) an event matching `match`. */
function seen(server: ServerProcess, name: string, match: (event: ServerEvent) => boolean): Promise<unknown> {
  if (server.events.some((e) => e.event === name && match(e))) return Promise.resolve();
  return server.next(name, match);
}

test('HTTP: 20 reloads by signal under load: no request fails, every version answers in turn, the counter goes on', { skip: !signals && 'no signals on Windows' }, async (t) => {
  const root = await tempDir(t);
  const pluginDir = join(root, 'plugins', 'hello');
  await cp(HELLO_SOURCE, pluginDir, { recursive: true });
  const entry = join(pluginDir, 'index.ts');
  const source = await readFile(entry, 'utf8');
  assert.ok(source.includes("const VERSION = 'v1';"));
  const outDir = join(root, 'build');
  /** A real build of version `k` into the host's plugin directory (atomic: the host may reload any time). */
  const build = async (k: number): Promise<void> => {
    await writeFile(entry, source.replace("const VERSION = 'v1';", `const VERSION = 'v${k}';`));
    await buildPlugins({ pluginDirs: [pluginDir], outDir, version: `v${k}` });
  };

  await build(1);
  const host = await HostProcess.start({ pluginDir: outDir });
  t.after(() => host.kill());
  const load = new Load({ port: host.port, concurrency: 8, maxRequests: 200_000, maxDurationMs: 60_000 }).start();
  t.after(() => load.stop());
  await load.untilAnswers('v1', 50);

  const reloads = 20;
  for (let k = 2; k <= reloads + 1; k++) {
    await build(k);
    const outcome = host.next('reload');
    process.kill(host.pid, 'SIGUSR2');
    const event = await outcome;
    assert.equal(event.ok, true, JSON.stringify(event));
    assert.equal(versionOf(event), `v${k}`);
    await load.untilAnswers(`v${k}`, 20);
  }
  const report = await load.stop();

  assert.equal(report.failed, 0, `failed requests: ${report.failures.join('; ')}`);
  const versions = Array.from({ length: reloads + 1 }, (_, i) => `v${i + 1}`);
  assert.deepEqual([...report.byVersion.keys()].sort(), [...versions].sort());
  // The counter lives in the host: every request of a version came after every request of the one before.
  const requests = versions.map((v) => report.answered.filter((a) => a.version === v).map((a) => a.request));
  for (let i = 1; i < requests.length; i++) {
    const last = Math.max(...(requests[i - 1] as number[]));
    const first = Math.min(...(requests[i] as number[]));
    assert.ok(first > last, `${versions[i]} answered request #${first}, before ${versions[i - 1]}'s #${last}`);
  }
  assert.equal(new Set(report.answered.map((a) => a.request)).size, report.answered.length, 'each request number is given once');
});

test('WebSocket: 100 connections held across 10 reloads: none dropped, no message lost, replies in order, per-connection state kept', async (t) => {
  const root = await tempDir(t);
  const versions = await buildVersions(root, 11);
  const pluginDir = join(root, 'plugins');
  await installVersion(versions[0] as BuiltVersion, pluginDir);
  const { server, port } = await ServerProcess.hotswap({ pluginDir });
  t.after(() => server.kill());
  const connections = 100;
  const fleet = await new Fleet({ port, connections, window: 2, maxDurationMs: 60_000, maxMessages: 5_000_000, latencies: false }).start();
  t.after(() => fleet.stop());
  await fleet.untilReplies('v0', 200);

  for (const built of versions.slice(1)) {
    await installVersion(built, pluginDir);
    const outcome = await server.reload();
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(versionOf(outcome), built.version);
    await fleet.untilReplies(built.version, 200);
  }
  const stats = await server.stats();
  const report = await fleet.stop();

  assertClean(report, connections);
  assert.deepEqual([...report.byVersion.keys()], versions.map((v) => v.version), 'every version answered, one after the other');
  // The host's view: the same 100 sockets from start to end.
  assert.equal(stats.opened, connections);
  assert.equal(stats.closed, 0);
  assert.equal(stats.open, connections);
  assert.equal(stats.errors, 0);
});

test('reload storm: 50 back-to-back reloads under WebSocket load: no error, every old generation freed, heap flat', async (t) => {
  const root = await tempDir(t);
  // Five versions installed in turn: every reload changes the code (and the version answering).
  const versions = await buildVersions(root, 5);
  const pluginDir = join(root, 'plugins');
  await installVersion(versions[0] as BuiltVersion, pluginDir);
  const { server, port } = await ServerProcess.hotswap({ pluginDir, freeDelay: 0, execArgv: ['--expose-gc'] });
  t.after(() => server.kill());
  const connections = 50;
  const fleet = await new Fleet({ port, connections, window: 2, maxDurationMs: 60_000, maxMessages: 5_000_000, latencies: false }).start();
  t.after(() => fleet.stop());
  await fleet.untilReplies('v0', 500);
  const before = (await server.stats(true)).heapUsedBytes as number;

  const reloads = 50;
  const generations: number[] = [];
  const receivedBefore = fleet.received;
  for (let i = 1; i <= reloads; i++) {
    const built = versions[i % versions.length] as BuiltVersion;
    await installVersion(built, pluginDir);
    const outcome = await server.reload();
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(versionOf(outcome), built.version);
    generations.push(outcome.generation as number);
  }
  const last = versions[reloads % versions.length] as BuiltVersion;
  // Traffic went on through the storm and goes on after it, on the last version.
  await fleet.untilReplies(last.version, fleet.count(last.version) + 500);
  assert.ok(fleet.received > receivedBefore + 500);
  // freeDelay 0: every replaced generation (the first load's included) is freed once drained.
  for (const generation of [1, ...generations.slice(0, -1)]) await seen(server, 'freed', (e) => e.generation === generation);
  const after = await server.stats(true);
  const report = await fleet.stop();

  assertClean(report, connections);
  assert.deepEqual([...report.byVersion.keys()].sort(), versions.map((v) => v.version).sort());
  assert.equal(after.retired, 0, 'no replaced generation is left');
  // Generous: 50 reloads of a 2 kB plugin cannot come near it unless old generations are kept.
  const heapAfter = after.heapUsedBytes as number;
  assert.ok(heapAfter < before + 50 * MB, `heap ${(before / MB).toFixed(1)} MB before the storm, ${(heapAfter / MB).toFixed(1)} MB after`);
});
