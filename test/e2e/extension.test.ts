/**
 * End to end: the extension example's real host in a child process, real builds and real reload
 * signals through the compiled `hotswap` CLI. Plugins fill each generation's extension (a command
 * table) in onVault; the host answers from the current one. Awaited on what the processes say.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exampleSource } from '../../examples/shared/paths.js';
import { ExampleHost, run, runHotswap, type HostEvent } from '../../examples/shared/processes.js';

const HOST = fileURLToPath(new URL('../../examples/extension/host.js', import.meta.url));
const DEMO = fileURLToPath(new URL('../../examples/extension/demo.js', import.meta.url));
const PLUGINS = exampleSource('extension', 'plugins');
const noSignals = process.platform === 'win32' && 'no signals on Windows';

async function workspace(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-e2e-extension-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

async function build(version: string, dirs: readonly string[], outDir: string): Promise<void> {
  const result = await runHotswap(['build', '--version', version, ...dirs, outDir]);
  assert.equal(result.code, 0, `hotswap build failed:\n${result.stderr}`);
}

async function start(t: TestContext, outDir: string): Promise<ExampleHost> {
  const host = await ExampleHost.start({ script: HOST, args: ['--plugins', outDir, '--free-delay', '100'] });
  t.after(() => host.kill());
  return host;
}

async function reloadBySignal(host: ExampleHost): Promise<HostEvent> {
  const outcome = host.next('reload');
  const result = await runHotswap(['reload', '--pid', String(host.pid)]);
  assert.equal(result.code, 0, `hotswap reload failed:\n${result.stderr}`);
  return outcome;
}

/** `help`'s table as `command=plugin version`, sorted. */
async function table(host: ExampleHost): Promise<string[]> {
  const answer = await host.ask('help');
  return (answer.commands as { command: string; by: string }[]).map((c) => `${c.command}=${c.by}`).sort();
}

test('rebuilding only math: the new generation\'s extension has math v2\'s commands and text\'s', { skip: noSignals }, async (t) => {
  const root = await workspace(t);
  const outDir = join(root, 'build');
  await build('v1', [join(PLUGINS, 'v1', 'math'), join(PLUGINS, 'v1', 'text')], outDir);
  const host = await start(t, outDir);

  assert.deepEqual(await table(host), ['add=math v1', 'mul=math v1', 'reverse=text v1', 'upper=text v1']);
  const add = await host.ask('add 2 3');
  assert.deepEqual([add.result, add.by, add.generation], ['5', 'math v1', 1]);
  const unknown = await host.ask('pow 2 10');
  assert.match(String(unknown.error), /unknown command "pow"; generation 1 has: add, mul, upper, reverse/);

  await build('v2', [join(PLUGINS, 'v2', 'math')], outDir);
  const freed = host.next('freed', (e) => e.generation === 1);
  const outcome = await reloadBySignal(host);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  assert.deepEqual(outcome.details, [
    { name: 'math', version: 'v2', status: 'ok', previousVersion: 'v1' },
    { name: 'text', version: 'v1', status: 'unchanged' },
  ]);
  // text was carried over (same instance: its onVault count went on) and filled the new table.
  assert.ok(host.logs.includes('text v1: onVault #2 of this instance, registering upper, reverse in generation 2'), host.logs.join('\n'));

  assert.deepEqual(await table(host), ['add=math v2', 'mul=math v2', 'pow=math v2', 'reverse=text v1', 'upper=text v1']);
  const add2 = await host.ask('add 2 3');
  assert.deepEqual([add2.result, add2.by, add2.generation], ['2 + 3 = 5', 'math v2', 2]);
  const pow = await host.ask('pow 2 10');
  assert.equal(pow.result, '1024');
  const upper = await host.ask('upper still here');
  assert.deepEqual([upper.result, upper.by, upper.generation], ['STILL HERE', 'text v1', 2]);

  const freedEvent = await freed;
  assert.ok(host.logs.includes('math v1: onFree'));
  assert.ok(!host.logs.includes('text v1: onFree'), 'text v1 is still in generation 2');
  const freedPlugins = (freedEvent.plugins as { name: string; version: string }[]).map((p) => `${p.name} ${p.version}`);
  assert.deepEqual(freedPlugins, ['math v1'], 'the freed event lists what was freed, not text v1, carried over');
});

test('a reload whose onVault fails (even a carried-over plugin\'s) is refused; the current table keeps answering', { skip: noSignals }, async (t) => {
  const root = await workspace(t);
  const outDir = join(root, 'build');
  await build('v1', [join(PLUGINS, 'v1', 'math'), join(PLUGINS, 'v1', 'text')], outDir);
  const host = await start(t, outDir);

  // A math that registers `upper` too. Plugins run onVault by name here (no imports): math first,
  // so it is text, carried over, whose onVault finds the name taken and throws.
  const clash = join(root, 'clash', 'math');
  await mkdir(clash, { recursive: true });
  await writeFile(
    join(clash, 'index.ts'),
    [
      "import { definePlugin } from 'hotswap/plugin';",
      'type Table = { commands: Map<string, { plugin: string; version: string; help: string; run(args: readonly string[]): string }> };',
      'export default definePlugin<Table>({',
      '  onVault(vault, ctx) {',
      "    vault.extension.commands.set('upper', { plugin: ctx.name, version: ctx.version, help: '', run: () => 'math!' });",
      '  },',
      '});',
      '',
    ].join('\n'),
  );
  await build('v3', [clash], outDir);
  const refused = await reloadBySignal(host);
  assert.equal(refused.ok, false);
  assert.equal(refused.stage, 'onVault');
  assert.equal(refused.code, 'HOTSWAP_ERR_HOOK_FAILED');
  assert.equal(refused.plugin, 'text');
  assert.match(String(refused.message), /command upper is already registered by math v3/);

  // Generation 2 and its table were discarded: generation 1's table answers, untouched.
  assert.deepEqual(await table(host), ['add=math v1', 'mul=math v1', 'reverse=text v1', 'upper=text v1']);
  const upper = await host.ask('upper fine');
  assert.deepEqual([upper.result, upper.by, upper.generation], ['FINE', 'text v1', 1]);
});

test('the demo (npm run demo:extension) exits 0', { skip: noSignals }, async () => {
  const result = await run(process.execPath, [DEMO]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^OK: /m);
  assert.doesNotMatch(result.stdout, /NOT OK/);
});
