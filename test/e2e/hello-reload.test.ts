/**
 * End to end: the hello example's real host in a child process, real HTTP load over loopback
 * sockets, real builds and real reload signals through the compiled `hotswap` CLI. Everything is
 * awaited on what the processes say (JSON lines, CLI exit codes, HTTP answers), never on time.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getJson, Load } from '../../examples/hello/load.js';
import { HostProcess, runHotswap, type HostEvent } from '../../examples/hello/processes.js';
import type { ManagerStatus } from '../../src/index.js';

/** dist/test/e2e/ → examples/hello/plugins/hello/ in the source tree. */
const PLUGIN_SOURCE = fileURLToPath(new URL('../../../examples/hello/plugins/hello/', import.meta.url));
const signals = process.platform !== 'win32';

interface Greeting {
  greeting: string;
  version: string;
  request: number;
}

interface Setup {
  readonly pluginDir: string;
  readonly outDir: string;
  readonly entry: string;
}

/** A copy of the hello plugin in a temp dir, removed after the test. */
async function setup(t: TestContext): Promise<Setup> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-e2e-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const pluginDir = join(root, 'plugins', 'hello');
  await cp(PLUGIN_SOURCE, pluginDir, { recursive: true });
  return { pluginDir, outDir: join(root, 'build'), entry: join(pluginDir, 'index.ts') };
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  assert.ok(text.includes(from), `${file} should contain ${from}`);
  await writeFile(file, text.split(from).join(to));
}

async function build(s: Setup, version: string): Promise<void> {
  const run = await runHotswap(['build', '--version', version, s.pluginDir, s.outDir]);
  assert.equal(run.code, 0, `hotswap build ${version} failed:\n${run.stderr}`);
  assert.match(run.stdout, new RegExp(`built hello ${version}`));
}

async function startHost(t: TestContext, s: Setup): Promise<HostProcess> {
  const host = await HostProcess.start({ pluginDir: s.outDir });
  t.after(() => host.kill());
  return host;
}

/** Sends the reload signal with the real CLI and resolves with the host's reload outcome. */
async function reloadBySignal(host: HostProcess): Promise<HostEvent> {
  const outcome = host.next('reload');
  const run = await runHotswap(['reload', '--pid', String(host.pid)]);
  assert.equal(run.code, 0, `hotswap reload failed:\n${run.stderr}`);
  assert.match(run.stdout, new RegExp(`sent SIGUSR2 to host \\(pid ${host.pid}\\): a signal reports no outcome`));
  return outcome;
}

function startLoad(t: TestContext, host: HostProcess): Load {
  const load = new Load({ port: host.port, concurrency: 8, maxRequests: 50_000, maxDurationMs: 60_000 }).start();
  t.after(() => load.stop());
  return load;
}

function detailsOf(outcome: HostEvent): { name: string; version: string; status: string; previousVersion?: string }[] {
  return outcome.details as { name: string; version: string; status: string; previousVersion?: string }[];
}

test('the host serves v1 from a real build', async (t) => {
  const s = await setup(t);
  await build(s, 'v1');
  const host = await startHost(t, s);
  const body = await getJson<Greeting>(host.port, '/?name=Ada');
  assert.deepEqual(body, { greeting: 'Hello, Ada!', version: 'v1', request: 1 });
});

test('reload by signal under load: no request fails, v1 then v2 answer, the counter goes on', { skip: !signals && 'no signals on Windows' }, async (t) => {
  const s = await setup(t);
  await build(s, 'v1');
  const host = await startHost(t, s);
  const load = startLoad(t, host);
  await load.untilAnswers('v1', 200);

  await edit(s.entry, "const VERSION = 'v1'", "const VERSION = 'v2'");
  await edit(s.entry, 'Hello, ${name}!', 'Hi there, ${name}!');
  await build(s, 'v2');
  // Built but not loaded: the host goes on with v1 until told.
  assert.equal((await getJson<Greeting>(host.port, '/')).version, 'v1');

  const outcome = await reloadBySignal(host);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  assert.deepEqual(detailsOf(outcome), [{ name: 'hello', version: 'v2', status: 'ok', previousVersion: 'v1' }]);
  await load.untilAnswers('v2', 200);
  const report = await load.stop();

  assert.equal(report.failed, 0, `failed requests: ${report.failures.join('; ')}`);
  const v1 = report.answered.filter((a) => a.version === 'v1').map((a) => a.request);
  const v2 = report.answered.filter((a) => a.version === 'v2').map((a) => a.request);
  assert.ok(v1.length >= 200 && v2.length >= 200, `v1 ${v1.length}, v2 ${v2.length}`);
  assert.deepEqual([...report.byVersion.keys()].sort(), ['v1', 'v2']);
  // The counter lives in the host's memory: kept across the reload, every v2 call came after every v1 call.
  assert.ok(Math.min(...v2) > Math.max(...v1), `first v2 #${Math.min(...v2)}, last v1 #${Math.max(...v1)}`);
  assert.equal(new Set([...v1, ...v2]).size, v1.length + v2.length, 'each request number is given once');
  const greeting = await getJson<Greeting>(host.port, '/?name=Ada');
  assert.equal(greeting.greeting, 'Hi there, Ada!');
  assert.ok(greeting.request > report.answered.length, 'the counter was not reset');

  const status = await getJson<ManagerStatus>(host.port, '/__status');
  assert.equal(status.reloadCount, 1);
  assert.equal(status.failedCount, 0);
  assert.deepEqual(status.lastOutcome, { ok: true, generation: 2 });
  assert.equal(status.current?.plugins[0]?.version, 'v2');
});

test('a v3 that does not compile or whose onLoad throws is refused and v2 keeps serving', { skip: !signals && 'no signals on Windows' }, async (t) => {
  const s = await setup(t);
  await build(s, 'v1');
  const host = await startHost(t, s);
  await edit(s.entry, "const VERSION = 'v1'", "const VERSION = 'v2'");
  await build(s, 'v2');
  assert.equal((await reloadBySignal(host)).ok, true);
  const load = startLoad(t, host);
  await load.untilAnswers('v2', 100);
  const v2Source = await readFile(s.entry, 'utf8');

  // A syntax error: the build is refused and the output directory is left as it was.
  await writeFile(s.entry, v2Source.replace("const VERSION = 'v2';", "const VERSION = 'v3' +;"));
  const broken = await runHotswap(['build', '--version', 'v3', s.pluginDir, s.outDir]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /HOTSWAP_ERR_BUILD_FAILED/);
  // Reloading now finds v2's manifest again and changes nothing.
  const unchanged = await reloadBySignal(host);
  assert.equal(unchanged.ok, true, JSON.stringify(unchanged));
  assert.deepEqual(detailsOf(unchanged), [{ name: 'hello', version: 'v2', status: 'unchanged' }]);
  await load.untilAnswers('v2', load.count('v2') + 100);

  // It compiles but its onLoad throws: the reload is refused at onLoad, v2 stays current.
  await writeFile(
    s.entry,
    v2Source
      .replace("const VERSION = 'v2';", "const VERSION = 'v3';")
      .replace('onLoad() {', "onLoad() {\n    throw new Error('v3 refuses to load');"),
  );
  await build(s, 'v3');
  const refused = await reloadBySignal(host);
  assert.equal(refused.ok, false);
  assert.equal(refused.stage, 'onLoad');
  assert.equal(refused.code, 'HOTSWAP_ERR_HOOK_FAILED');
  assert.match(String(refused.message), /v3 refuses to load/);
  await load.untilAnswers('v2', load.count('v2') + 100);

  const status = await getJson<ManagerStatus>(host.port, '/__status');
  assert.deepEqual(status.lastOutcome, {
    ok: false,
    code: 'HOTSWAP_ERR_HOOK_FAILED',
    message: refused.message,
    stage: 'onLoad',
    plugin: 'hello',
  });
  assert.equal(status.current?.plugins[0]?.version, 'v2');
  assert.equal(status.failedCount, 1);

  const report = await load.stop();
  assert.equal(report.failed, 0, `failed requests: ${report.failures.join('; ')}`);
  assert.deepEqual([...report.byVersion.keys()], ['v2']);
  assert.equal((await getJson<Greeting>(host.port, '/')).version, 'v2');
});
