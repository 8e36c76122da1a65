/**
 * `hotswap dev` end to end, on a temporary app with a plugin, editing its files as a developer
 * would: a plugin edit (rebuilt and reloaded), an app function edit (patched in place: same pid,
 * state kept), a top-level edit (restarted, with the reason and file:line), a syntax error then its
 * fix, a burst of saves across files (one patch), a plugin that does not build, and --no-restart.
 * Events are read from `--json`; the app's own output (its port, on stderr with --json) is followed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, writePlugin } from '../helpers/build-fixture.js';
import { ask, startDev } from '../helpers/dev-session.js';
import { pluginSource } from '../helpers/plugin-source.js';
import { TEST_MS } from '../helpers/timeout.js';

const INDEX = JSON.stringify(new URL('../../src/index.js', import.meta.url).href);

// The app: counts its requests (state), answers with its pid, the plugin's greeting and lib's format.
const APP = `
import http from 'node:http';
import { PluginManager } from ${INDEX};
import { format } from './lib.ts';
import { tag } from './tag.ts';
let hits = 0;
const manager = new PluginManager({ pluginDir: process.env.HOTSWAP_PLUGIN_DIR, logger: { debug() {}, info() {}, warn() {}, error: console.error } });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
const server = http.createServer((req, res) => {
  hits++;
  res.end(process.pid + ' ' + format(manager.invoke('greeter', 'greet', 'Ada'), hits) + ' ' + tag());
});
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
process.on('SIGTERM', () => { server.close(); void manager.close(); });
`;
const LIB = 'export function format(text: string, n: number): string {\n  return `${text} #${n}`;\n}\n';
const TAG = "export function tag(): string {\n  return 'a';\n}\n";
const greeter = (greeting: string): string => pluginSource(`functions: { greet: (name: string) => '${greeting}, ' + name }`);

function writeApp(dir: string): void {
  writeFileSync(join(dir, 'app.ts'), APP);
  writeFileSync(join(dir, 'lib.ts'), LIB);
  writeFileSync(join(dir, 'tag.ts'), TAG);
  writePlugin(join(dir, 'plugins'), 'greeter', { 'index.ts': greeter('Hello') });
}

test('hotswap dev: plugin reloaded, app functions patched in place, restart with the reason, syntax errors, bursts', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writeApp(tmp.path);
  const dev = startDev(t, tmp.path, ['app.ts', '--plugins', 'plugins/greeter']);
  const port = await dev.port();
  await dev.next('started');
  const [pid] = (await ask(port)).split(' ');
  assert.match(await ask(port), /^\d+ Hello, Ada #2 a$/);

  // A plugin edit: rebuilt and reloaded, state kept.
  writePlugin(join(tmp.path, 'plugins'), 'greeter', { 'index.ts': greeter('Hi') });
  const reloaded = await dev.next('reloaded');
  assert.equal(reloaded['plugin'], 'greeter');
  assert.equal(typeof reloaded['saveToLiveMs'], 'number');
  assert.equal(await ask(port), `${pid} Hi, Ada #3 a`);

  // A plugin that does not build: esbuild's message with file:line:column; the previous version serves.
  writePlugin(join(tmp.path, 'plugins'), 'greeter', { 'index.ts': greeter('Oops').replace('=>', '=>>') });
  const buildError = await dev.next('build-error');
  assert.match(String(buildError['message']), /index\.ts:\d+:\d+/);
  assert.equal(await ask(port), `${pid} Hi, Ada #4 a`);
  writePlugin(join(tmp.path, 'plugins'), 'greeter', { 'index.ts': greeter('Hi') });

  // An app function edit: patched in place, same pid, the counter goes on.
  writeFileSync(join(tmp.path, 'lib.ts'), LIB.replace('#${n}', '(hit ${n})'));
  const patched = await dev.next('patched');
  assert.deepEqual(patched['functions'], ['format']);
  assert.deepEqual(patched['files'], ['lib.ts']);
  assert.equal(await ask(port), `${pid} Hi, Ada (hit 5) a`);

  // A syntax error: reported with file:line:column, nothing touched; its fix is patched.
  writeFileSync(join(tmp.path, 'lib.ts'), LIB.replace('return', 'return ((('));
  const syntax = await dev.next('syntax-error');
  assert.equal(syntax['file'], 'lib.ts');
  assert.match(String(syntax['message']), /^lib\.ts:2:\d+: /);
  assert.equal(await ask(port), `${pid} Hi, Ada (hit 6) a`);
  writeFileSync(join(tmp.path, 'lib.ts'), LIB.replace('#${n}', '[${n}]'));
  assert.deepEqual((await dev.next('patched'))['functions'], ['format']);
  assert.equal(await ask(port), `${pid} Hi, Ada [7] a`);

  // A burst across two files: one patch.
  writeFileSync(join(tmp.path, 'lib.ts'), LIB.replace('#${n}', '<${n}>'));
  writeFileSync(join(tmp.path, 'tag.ts'), TAG.replace("'a'", "'b'"));
  const burst = await dev.next('patched');
  assert.deepEqual(burst['files'], ['lib.ts', 'tag.ts']);
  assert.equal(await ask(port), `${pid} Hi, Ada <8> b`);

  // A save that changes no code (a comment): nothing to do, no restart.
  writeFileSync(join(tmp.path, 'tag.ts'), `// the tag\n${TAG.replace("'a'", "'b'")}`);
  const ignored = await dev.next('ignored');
  assert.deepEqual(ignored['files'], ['tag.ts']);
  assert.equal(await ask(port), `${pid} Hi, Ada <9> b`);

  // A top-level edit: restarted, with the planner's reason and its file:line.
  writeFileSync(join(tmp.path, 'lib.ts'), `${LIB.replace('#${n}', '<${n}>')}export const EXTRA = 1;\n`);
  const restarted = await dev.next('restarted');
  assert.match(String(restarted['reason']), /^lib\.ts:4: module-level binding "EXTRA" added/);
  const newPort = await dev.port();
  const [newPid, ...rest] = (await ask(newPort)).split(' ');
  assert.notEqual(newPid, pid);
  assert.equal(rest.join(' '), 'Hi, Ada <1> b', 'a restart starts the state afresh');
});

test('hotswap dev --no-restart prints why a change cannot be applied live and keeps the old code running', { timeout: TEST_MS }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  writeApp(tmp.path);
  const dev = startDev(t, tmp.path, ['app.ts', '--plugins', 'plugins/greeter', '--no-restart']);
  const port = await dev.port();
  await dev.next('started');
  const [pid] = (await ask(port)).split(' ');
  writeFileSync(join(tmp.path, 'tag.ts'), `const SUFFIX = '!';\n${TAG.replace("'a'", "'c' + SUFFIX")}`);
  const refused = await dev.next('not-applied');
  assert.match(String(refused['reason']), /^tag\.ts:\d+: /);
  assert.equal(await ask(port), `${pid} Hello, Ada #2 a`);
});
