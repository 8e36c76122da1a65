import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LIVE_EXPORT } from '../../../src/artifact/format.js';
import { manifestFileName, parseManifest } from '../../../src/artifact/manifest.js';
import { watchPlugins, type PluginBuildResult } from '../../../src/build/index.js';
import { BuildFailedError } from '../../../src/errors.js';
import { evaluateArtifact, makeTempDir, writePlugin } from '../../helpers/build-fixture.js';

/** Callback values turned into awaitable events: no sleeps, no polling. */
class Events<T> {
  private readonly queued: T[] = [];
  private readonly waiting: ((value: T) => void)[] = [];
  push = (value: T): void => {
    const waiter = this.waiting.shift();
    if (waiter === undefined) this.queued.push(value);
    else waiter(value);
  };
  next(): Promise<T> {
    const value = this.queued.shift();
    return value === undefined ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve(value);
  }
  /** Skips events until one matches: a watcher may see an intermediate state of a file. */
  async nextMatching(predicate: (value: T) => boolean): Promise<T> {
    for (;;) {
      const value = await this.next();
      if (predicate(value)) return value;
    }
  }
}

const source = (greeting: string): string =>
  `import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({ functions: { greet: () => '${greeting}' } });\n`;

/** Replaces a file in one step, so the watcher never reads it half-written. */
function replaceFile(path: string, text: string): void {
  writeFileSync(path + '.next', text);
  renameSync(path + '.next', path);
}

const greetingOf = (result: PluginBuildResult): unknown =>
  (evaluateArtifact(result.artifactPath).default as { functions: { greet(): unknown } }).functions.greet();

test('watch mode rebuilds on change, reports errors without stopping, and writes the new manifest', { timeout: 60_000 }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'live', { 'index.ts': source('one'), 'lib/other.ts': 'export const x = 1;\n' });
  const index = join(dir, 'index.ts');
  const outDir = join(tmp.path, 'out');
  const builds = new Events<PluginBuildResult>();
  const errors = new Events<Error>();

  const watcher = await watchPlugins({ pluginDirs: [dir], outDir, onBuild: builds.push, onError: errors.push });
  try {
    const first = await builds.next();
    assert.equal(greetingOf(first), 'one');

    replaceFile(index, source('two'));
    const second = await builds.nextMatching((r) => r.manifest.sha256 !== first.manifest.sha256);
    assert.equal(greetingOf(second), 'two');
    const manifestPath = join(outDir, manifestFileName('live'));
    assert.deepEqual(parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath), second.manifest);

    replaceFile(index, source('three').replace('definePlugin({', 'definePlugin({{'));
    const error = await errors.next();
    assert.ok(error instanceof BuildFailedError, String(error));
    assert.match(error.message, /index\.ts:2:\d+: /);
    // The failed rebuild left the previous pair in place.
    assert.equal(parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath).sha256, second.manifest.sha256);

    replaceFile(index, source('four'));
    const fourth = await builds.nextMatching((r) => r.manifest.sha256 !== second.manifest.sha256);
    assert.equal(greetingOf(fourth), 'four');
    assert.equal(parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath).sha256, fourth.manifest.sha256);
  } finally {
    await watcher.close();
  }
});

test('watchPlugins refuses invalid input before watching anything', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const fail = (): never => assert.fail('no build expected');
  await assert.rejects(
    watchPlugins({ pluginDirs: [join(tmp.path, 'missing')], outDir: join(tmp.path, 'out'), onBuild: fail, onError: fail }),
    { code: 'HOTSWAP_ERR_PLUGIN_DIR_MISSING' },
  );
});

test('watch mode scans live names again on every rebuild, and recovers from a duplicate', { timeout: 60_000 }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const root = (imports: string): string =>
    `import { definePlugin } from 'hotswap/plugin';\n${imports}\nexport default definePlugin({});\n`;
  const dir = writePlugin(tmp.path, 'livewatch', { 'index.ts': root('') });
  const index = join(dir, 'index.ts');
  const builds = new Events<PluginBuildResult>();
  const errors = new Events<Error>();
  const liveOf = (r: PluginBuildResult): { functions: Record<string, () => string> } =>
    evaluateArtifact(r.artifactPath)[LIVE_EXPORT] as { functions: Record<string, () => string> };

  const watcher = await watchPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out'), onBuild: builds.push, onError: errors.push });
  try {
    const first = await builds.next();
    assert.deepEqual(first.manifest.live.functions, []);

    // A new module brings its live function (noticed at the next rebuild: the root changes too).
    writeFileSync(join(dir, 'jobs.ts'), 'export function live_a(): string { return "a"; }\n');
    replaceFile(index, root("import './jobs';"));
    const second = await builds.nextMatching((r) => r.manifest.live.functions.length > 0);
    assert.deepEqual(second.manifest.live.functions, ['live_a']);
    assert.equal(liveOf(second).functions.live_a?.(), 'a');

    // A second module with the same name ignoring case: refused, and the watcher keeps going.
    writeFileSync(join(dir, 'other.ts'), 'export function LIVE_A(): string { return "A"; }\n');
    replaceFile(index, root("import './jobs';\nimport './other';"));
    const error = await errors.next();
    assert.equal((error as { code?: string }).code, 'HOTSWAP_ERR_DUPLICATE_LIVE_NAME', String(error));

    // Fixed in the module that caused it (not the root): still noticed.
    replaceFile(join(dir, 'other.ts'), 'export function live_b(): string { return "b"; }\n');
    const third = await builds.nextMatching((r) => r.manifest.live.functions.includes('live_b'));
    assert.deepEqual(third.manifest.live.functions, ['live_a', 'live_b']);
    assert.equal(liveOf(third).functions.live_b?.(), 'b');
  } finally {
    await watcher.close();
  }
});

test('rebuild() says when the build it waited for started, so a caller can tell whether a save is in it', { timeout: 60_000 }, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'hello', { 'index.ts': source('one') });
  const builds = new Events<PluginBuildResult>();
  const watcher = await watchPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out'), onBuild: builds.push, onError: (error) => assert.fail(error) });
  t.after(() => watcher.close());
  await builds.next();
  replaceFile(join(dir, 'index.ts'), source('two'));
  const startedAt = await watcher.rebuild(dir);
  assert.equal(typeof startedAt, 'number');
  // Either the build this call started, or one esbuild's watch had started already (then earlier).
  assert.ok((startedAt as number) <= performance.now());
  const built = await builds.nextMatching((result) => greetingOf(result) === 'two');
  assert.equal(built.manifest.name, 'hello');
  assert.equal(await watcher.rebuild(join(tmp.path, 'not-watched')), undefined);
});
