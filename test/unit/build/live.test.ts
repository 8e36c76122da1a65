import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LIVE_EXPORT } from '../../../src/artifact/format.js';
import { parseManifest } from '../../../src/artifact/manifest.js';
import { buildPlugins } from '../../../src/build/index.js';
import { DuplicateLiveNameError, InvalidArgumentError } from '../../../src/errors.js';
import { isPluginDefinition } from '../../../src/plugin/index.js';
import { evaluateArtifact, makeTempDir, writePlugin } from '../../helpers/build-fixture.js';

interface LiveMembers {
  functions: Record<string, (...args: unknown[]) => unknown>;
  types: Record<string, new (...args: unknown[]) => unknown>;
}

function liveOf(artifactPath: string): LiveMembers {
  return evaluateArtifact(artifactPath)[LIVE_EXPORT] as LiveMembers;
}

/** Live functions and types in the root, a sibling module and a sub-folder, plus things that are not live. */
const JOBS_PLUGIN = {
  'index.ts': `import { definePlugin } from 'hotswap/plugin';
import { live_send } from './jobs/send.js';
import './deep/nested/reminder';

export type live_typeOnly = { a: number };
export interface Live_Interface { b: string }
export declare function live_declared(): void;
function live_hidden(): string { return 'hidden'; }
export const LIVE_LIMIT = 3;

export function live_root(name: string): string { return 'root ' + live_send(name) + live_hidden(); }
function helper(): string { return 'helped'; }
export { helper as live_helper };

export default definePlugin({ functions: { send: live_send } });
`,
  'jobs/send.ts': `export const live_send = (to: string): string => 'sent to ' + to;
export async function LIVE_Later(): Promise<string> { return 'later'; }
`,
  'deep/nested/reminder.ts': `export class Live_Reminder {
  constructor(readonly at: number) {}
  describe(): string { return 'remind at ' + this.at; }
}
export abstract class LIVE_Base {}
`,
};

test('live functions and types of every module are found, listed in the manifest and exported by the artifact', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'jobs', JOBS_PLUGIN);
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out') });
  assert.ok(result);

  assert.deepEqual(result.manifest.live, {
    prefix: 'live_',
    functions: ['LIVE_Later', 'live_helper', 'live_root', 'live_send'],
    types: ['LIVE_Base', 'Live_Reminder'],
  });
  assert.deepEqual(parseManifest(readFileSync(result.manifestPath, 'utf8'), result.manifestPath).live, result.manifest.live);

  const exports = evaluateArtifact(result.artifactPath);
  assert.ok(isPluginDefinition(exports.default), 'the root module is still the default export');
  const live = exports[LIVE_EXPORT] as LiveMembers;
  assert.deepEqual(Object.keys(live.functions).sort(), [...result.manifest.live.functions].sort());
  assert.deepEqual(Object.keys(live.types).sort(), [...result.manifest.live.types].sort());

  // The real functions and classes, not copies: they run and construct.
  assert.equal(live.functions.live_send?.('ann'), 'sent to ann');
  assert.equal(live.functions.live_root?.('bob'), 'root sent to bobhidden');
  assert.equal(live.functions.live_helper?.(), 'helped');
  assert.equal(await live.functions.LIVE_Later?.(), 'later');
  const Reminder = live.types.Live_Reminder;
  assert.ok(Reminder);
  const reminder = new Reminder(42) as { describe(): string };
  assert.equal(reminder.describe(), 'remind at 42');
  assert.ok(reminder instanceof Reminder);
  // The same function object the plugin's own code uses.
  const send = (exports.default as unknown as { functions: { send: unknown } }).functions.send;
  assert.equal(send, live.functions.live_send);
});

test('a custom prefix replaces the default one', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'custom', {
    'index.ts': `import { definePlugin } from 'hotswap/plugin';
import './more';
export function live_ignored(): number { return 0; }
export function hotSend(): number { return 1; }
export default definePlugin({});
`,
    'more.ts': 'export class HOTTYPE {}\nexport const hot_fn = function (): number { return 2; };\n',
  });
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out'), livePrefix: 'hot' });
  assert.ok(result);
  assert.deepEqual(result.manifest.live, { prefix: 'hot', functions: ['hotSend', 'hot_fn'], types: ['HOTTYPE'] });
  const live = liveOf(result.artifactPath);
  assert.equal(live.functions.hot_fn?.(), 2);
  assert.equal(live.functions.live_ignored, undefined);
});

test('a plugin without live names exports empty maps; named exports of the root are kept', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'plain', {
    'index.ts': "import { definePlugin } from 'hotswap/plugin';\nexport const answer = 42;\nexport default definePlugin({});\n",
  });
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out') });
  assert.ok(result);
  assert.deepEqual(result.manifest.live, { prefix: 'live_', functions: [], types: [] });
  const exports = evaluateArtifact(result.artifactPath);
  assert.deepEqual(exports[LIVE_EXPORT], { functions: {}, types: {} });
  assert.equal(exports.answer, 42);
});

test('a root module without a default export still builds (the runtime refuses it with a better message)', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'nodefault', { 'index.ts': 'export function live_x(): number { return 1; }\n' });
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out') });
  assert.ok(result);
  const exports = evaluateArtifact(result.artifactPath);
  assert.equal(exports.default, undefined);
  assert.equal((exports[LIVE_EXPORT] as LiveMembers).functions.live_x?.(), 1);
});

test('two live names equal ignoring case in different modules are refused, naming both', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'dup', {
    'index.ts': "import { definePlugin } from 'hotswap/plugin';\nimport './jobs/a';\nimport './b/c';\nexport default definePlugin({});\n",
    'jobs/a.ts': 'export function live_send(): void {}\n',
    'b/c.ts': 'export const LIVE_SEND = (): void => {};\n',
  });
  const outDir = join(tmp.path, 'out');
  const error = await buildPlugins({ pluginDirs: [dir], outDir }).then(
    () => assert.fail('the build should be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DuplicateLiveNameError, String(error));
  assert.equal(error.code, 'HOTSWAP_ERR_DUPLICATE_LIVE_NAME');
  assert.equal(error.plugin, 'dup');
  // Modules are scanned in path order after the root: b/c.ts comes first.
  assert.equal(error.liveName, 'LIVE_SEND');
  assert.equal(error.first, 'plugin dup (b/c.ts)');
  assert.equal(error.second, 'plugin dup (jobs/a.ts) as live_send');
  for (const part of ['LIVE_SEND', 'live_send', 'b/c.ts', 'jobs/a.ts']) assert.ok(error.message.includes(part), part);
  assert.equal(existsSync(outDir), false, 'nothing written');
});

test('a live function and a live type equal ignoring case are refused too', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'dup', {
    'index.ts': "export function live_thing(): void {}\nexport class Live_Thing {}\nexport default {};\n",
  });
  // Which one comes first follows esbuild's output order within the module.
  await assert.rejects(buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out') }), {
    code: 'HOTSWAP_ERR_DUPLICATE_LIVE_NAME',
    message: /"(live_thing|Live_Thing)".*by plugin dup \(index\.ts\) and by plugin dup \(index\.ts\) as (Live_Thing|live_thing)/,
  });
});

test('a live prefix that is not an identifier is refused before anything is built', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'p', { 'index.ts': 'export default {};\n' });
  const outDir = join(tmp.path, 'out');
  for (const livePrefix of ['', '1live', 'live-', 'live ', 'živ_']) {
    await assert.rejects(buildPlugins({ pluginDirs: [dir], outDir, livePrefix }), (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError, String(error));
      assert.match(error.message, /livePrefix/);
      return true;
    });
  }
  assert.equal(existsSync(outDir), false);
});

test('finds live functions in modules nothing imports, and bundles them; skips tests and declarations', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'unreached', {
    'index.ts': "import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({});\n",
    'jobs/deliver.ts': 'export function live_deliver(): string { return "delivered"; }\n',
    'jobs/deliver.test.ts': 'export function live_inTest(): number { return 1; }\n',
    'types.d.ts': 'export declare function live_declared(): void;\n',
  });
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out') });
  assert.ok(result);
  assert.deepEqual(result.manifest.live.functions, ['live_deliver']);
  const live = evaluateArtifact(result.artifactPath)[LIVE_EXPORT] as { functions: Record<string, () => string> };
  assert.equal(live.functions.live_deliver?.(), 'delivered');
});
