/**
 * Stack traces after a patch: Node keeps the source map it read when a script was loaded; the
 * engine points it at the patched text, so frames name the lines of the new original source, in
 * patched functions and after them, for code compiled ahead of time (a map in a separate file or
 * inline) and for .ts files run through hotswap's loader. Source maps are switched on for this
 * test file's process before anything is loaded.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { buildPatch } from '../../../src/hotfix/artifact/build-patch.js';
import type { HotfixEngine } from '../../../src/hotfix/index.js';
import type { Patch } from '../../../src/hotfix/types.js';
import { sha256 } from '../../../src/typescript/transform.js';
import { makeTempDir } from '../../helpers/build-fixture.js';
import { nextMessage, TEST_MS, terminate } from '../../helpers/timeout.js';
import { closeEngine, createEngine } from './fixtures.js';

process.setSourceMapsEnabled(true);
// LiveEdit through the TypeScript loader: without redirection (redirect-typescript.test.ts has it on).
process.env['HOTSWAP_REDIRECT'] = 'off';
register(new URL('../../../src/typescript/hooks.js', import.meta.url));

/** The first frame's `file:line` of what `fn` throws. */
function thrownAt(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    const frame = ((error as Error).stack ?? '').split('\n').find((line) => line.trimStart().startsWith('at ')) ?? '';
    const match = /\(?([^\s()]+):(\d+):\d+\)?$/.exec(frame.trim());
    if (match === null) return `unparsed: ${frame}`;
    return `${(match[1] ?? '').split('/').pop() ?? ''}:${match[2] ?? ''}`;
  }
  return 'did not throw';
}

// Version 1 and version 2 of one TypeScript file: v2 makes `grow` three lines longer (and makes it
// throw for negative numbers), which moves `fail` from line 6 to line 9.
const v1 = [
  'export function grow(n: number): number {', // 1
  '  return n + 1;', // 2
  '}', // 3
  '', // 4
  'export function fail(reason: string): never {', // 5
  '  throw new Error(reason);', // 6
  '}', // 7
  '',
].join('\n');
const v2 = v1.replace('  return n + 1;', ['  if (n < 0) {', '    throw new RangeError(`negative: ${n}`);', '  }', '  return n + 1;'].join('\n'));
const GROW_THROWS_V2 = 'app.ts:3';
const FAIL_V1 = 'app.ts:6';
const FAIL_V2 = 'app.ts:9';

interface App {
  grow(n: number): number;
  fail(reason: string): never;
}

interface Compiled {
  readonly app: App;
  /** The running dist file. */
  readonly file: string;
  /** A patch from v1's dist to v2's dist, as `hotswap hotfix build` makes it. */
  readonly patch: (version: string) => Promise<Patch>;
}

/** Builds `source` as `<project>/src/app.ts` into `<project>/<outdir>` with esbuild; returns the output file. */
function buildApp(project: string, source: string, outdir: string, format: 'cjs' | 'esm', sourcemap: 'external' | 'inline' = 'external'): string {
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(project, 'src', 'app.ts'), source);
  const extension = format === 'cjs' ? '.cjs' : '.mjs';
  buildSync({
    entryPoints: [join(project, 'src', 'app.ts')],
    outdir: join(project, outdir),
    format,
    platform: 'node',
    sourcemap: sourcemap === 'external' ? true : 'inline',
    outExtension: { '.js': extension },
    logLevel: 'silent',
  });
  return join(project, outdir, `app${extension}`);
}

/**
 * The release that runs (`release/dist`, built from v1) and the developer's tree with the fix
 * (`work/dist`, built from v2); v1 is loaded.
 */
async function compiled(root: string, format: 'cjs' | 'esm', sourcemap: 'external' | 'inline'): Promise<Compiled> {
  const file = buildApp(join(root, 'release'), v1, 'dist', format, sourcemap);
  const fixed = buildApp(join(root, 'work'), v2, 'dist', format, sourcemap);
  const app = (format === 'cjs' ? createRequire(file)(file) : await import(pathToFileURL(file).href)) as App;
  return { app, file, patch: (version) => buildPatch({ version, files: [{ file, runningPath: file, newPath: fixed }] }) };
}

describe('source maps after a patch', { timeout: TEST_MS }, () => {
  let engine: HotfixEngine;
  const tmp = makeTempDir('hotswap-maps-');
  before(() => {
    engine = createEngine({ workers: false });
  });
  after(async () => {
    await closeEngine(engine);
    tmp.cleanup();
  });

  for (const [format, sourcemap] of [['cjs', 'external'], ['esm', 'external'], ['cjs', 'inline'], ['esm', 'inline']] as const) {
    it(`AOT-compiled, ${format}, ${sourcemap} map: frames point at the new .ts lines, and back after revert`, async () => {
      const { app, patch } = await compiled(join(tmp.path, `${format}-${sourcemap}`), format, sourcemap);
      assert.equal(thrownAt(() => app.fail('x')), FAIL_V1);
      const version = `grow-${format}-${sourcemap}`;
      const built = await patch(version);
      assert.equal(built.files[0]?.sourceMap !== undefined, sourcemap === 'external', 'a separate map travels with the patch');

      const outcome = await engine.apply(built);
      assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
      assert.equal(thrownAt(() => app.grow(-1)), GROW_THROWS_V2, 'a frame in the patched function');
      assert.equal(thrownAt(() => app.fail('x')), FAIL_V2, 'a frame after the patched function, which moved down three lines');

      const reverted = await engine.revert(version);
      assert.ok(reverted.ok);
      assert.equal(app.grow(-1), 0);
      assert.equal(thrownAt(() => app.fail('x')), FAIL_V1);
    });
  }

  it('an ES module imported with a query string: its map is found under the URL it was loaded from', async () => {
    const root = join(tmp.path, 'query');
    const file = buildApp(join(root, 'release'), v1, 'dist', 'esm');
    const fixed = buildApp(join(root, 'work'), v2, 'dist', 'esm');
    const app = (await import(`${pathToFileURL(file).href}?instance=2`)) as App;
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V1);
    const outcome = await engine.apply(await buildPatch({ version: 'query', files: [{ file, runningPath: file, newPath: fixed }] }));
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
    assert.equal(thrownAt(() => app.grow(-1)), GROW_THROWS_V2);
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V2);
  });

  it('patches stack: a second patch of the same file maps through the first, and reverts unwind in order', async () => {
    const root = join(tmp.path, 'stacked');
    const { app, file, patch } = await compiled(root, 'cjs', 'external');
    const first = await patch('stack-1');
    assert.ok((await engine.apply(first)).ok);

    // Patch 2, built from v2's output: `fail` gets two lines longer; `grow` stays as patch 1 made it.
    const v3 = v2.replace('  throw new Error(reason);', ['  const message = `failed: ${reason}`;', '', '  throw new Error(message);'].join('\n'));
    const running = join(root, 'work', 'dist', 'app.cjs');
    const fixed = buildApp(join(root, 'work'), v3, 'dist3', 'cjs');
    const second = await buildPatch({ version: 'stack-2', files: [{ file, runningPath: running, newPath: fixed }] });
    const outcome = await engine.apply(second);
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
    assert.equal(thrownAt(() => app.fail('x')), 'app.ts:11');
    assert.equal(thrownAt(() => app.grow(-1)), GROW_THROWS_V2);

    assert.ok((await engine.revert('stack-2')).ok);
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V2);
    assert.ok((await engine.revert('stack-1')).ok);
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V1);
  });

  it('a difference left out of the scope keeps pointing at the lines it was built from', async () => {
    const root = join(tmp.path, 'scoped');
    // The fix also rewrites `fail`, but the patch takes only `grow`: `fail` keeps running v1's code,
    // and its frames keep v1's lines where its text differs from the new source.
    const changedFail = v2.replace('  throw new Error(reason);', ['  const message = `fail: ${reason}`;', '  throw new Error(message);'].join('\n'));
    const { app, file } = await compiled(root, 'cjs', 'external');
    const fixed = buildApp(join(root, 'work'), changedFail, 'dist-b', 'cjs');
    const built = await buildPatch({ version: 'scoped-grow', files: [{ file, runningPath: file, newPath: fixed }], scope: ['app.cjs#grow'] });
    const outcome = await engine.apply(built);
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
    assert.equal(thrownAt(() => app.grow(-1)), GROW_THROWS_V2);
    assert.throws(() => app.fail('x'), { message: 'x' });
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V1);
  });

  it('a .ts file run through the loader: frames point at the new .ts lines', async () => {
    const dir = join(tmp.path, 'loader');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'app.ts');
    writeFileSync(file, v1);
    const app = (await import(pathToFileURL(file).href)) as App;
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V1);
    const outcome = await engine.apply({ version: 'loader-grow', files: [{ file, baseHash: sha256(v1), source: v2 }] });
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
    assert.equal(thrownAt(() => app.grow(-1)), GROW_THROWS_V2);
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V2);
  });

  it('the source code Node shows for a frame is the new source', async () => {
    const { app, file, patch } = await compiled(join(tmp.path, 'content'), 'cjs', 'external');
    assert.ok((await engine.apply(await patch('content'))).ok);
    const { findSourceMap } = await import('node:module');
    const map = findSourceMap(file);
    assert.ok(map !== undefined);
    const content = map.payload.sourcesContent?.[map.payload.sources.findIndex((s) => s.endsWith('/release/src/app.ts'))];
    assert.equal(content, v2);
    assert.equal(app.grow(1), 2);
  });

  it('refuses a patch whose source map is malformed, and the running code is untouched', async () => {
    const { app, patch } = await compiled(join(tmp.path, 'malformed'), 'cjs', 'external');
    const built = await patch('bad-map');
    const file = built.files[0];
    assert.ok(file !== undefined);
    for (const sourceMap of ['{', '{"version":2,"sources":[],"mappings":""}', JSON.stringify({ version: 3, sources: [1], mappings: '' })]) {
      const outcome = await engine.apply({ ...built, files: [{ ...file, sourceMap }] });
      assert.ok(!outcome.ok);
      assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_INVALID');
      assert.match(outcome.error.message, /source map/);
    }
    assert.equal(app.grow(-1), 0);
    assert.equal(thrownAt(() => app.fail('x')), FAIL_V1);
  });

  it('hotfix build refuses a new file whose named map is missing, unless told to leave maps out', async () => {
    const root = join(tmp.path, 'missing');
    const { file } = await compiled(root, 'cjs', 'external');
    const next = join(root, 'work', 'dist', 'app.cjs');
    writeFileSync(next, readFileSync(next, 'utf8').replace('app.cjs.map', 'gone.cjs.map'));
    await assert.rejects(buildPatch({ version: 'x', files: [{ file, runningPath: file, newPath: next }] }), { code: 'HOTSWAP_ERR_HOTFIX_INVALID', message: /gone\.cjs\.map/ });
    const built = await buildPatch({ version: 'x', files: [{ file, runningPath: file, newPath: next }], sourceMaps: false });
    assert.equal(built.files[0]?.sourceMap, undefined);
  });
  describe('in worker threads', () => {
    const WORKER = [
      "const { parentPort, workerData } = require('node:worker_threads');",
      'process.setSourceMapsEnabled(true);',
      'const app = require(workerData);',
      'parentPort.on(\'message\', () => {',
      '  try { app.fail(\'x\'); } catch (error) {',
      "    const frame = error.stack.split('\\n').find((line) => line.trimStart().startsWith('at ')) ?? '';",
      "    const match = /([^\\s()/]+):(\\d+):\\d+\\)?$/.exec(frame.trim());",
      "    parentPort.postMessage(match === null ? frame : match[1] + ':' + match[2]);",
      '  }',
      '});',
      "parentPort.postMessage('ready');",
      '',
    ].join('\n');
    const workers: Worker[] = [];
    after(async () => {
      for (const worker of workers) await terminate(worker);
    });
    async function start(file: string): Promise<Worker> {
      const script = join(tmp.path, 'map-worker.cjs');
      writeFileSync(script, WORKER);
      const worker = new Worker(script, { workerData: file });
      workers.push(worker);
      assert.equal(await nextMessage(worker, `worker ${worker.threadId} to say it is ready`), 'ready');
      return worker;
    }
    async function failLine(worker: Worker): Promise<unknown> {
      const answer = nextMessage(worker, `the line at which worker ${worker.threadId} threw`);
      worker.postMessage('fail');
      return answer;
    }

    it('a worker that loaded the file, and one started after the patch, point at the new lines; a revert puts them back', async () => {
      const root = join(tmp.path, 'workers');
      const file = buildApp(join(root, 'release'), v1, 'dist', 'cjs');
      const fixed = buildApp(join(root, 'work'), v2, 'dist', 'cjs');
      const before = await start(file);
      assert.equal(await failLine(before), FAIL_V1);
      const workerEngine = createEngine();
      try {
        const outcome = await workerEngine.apply(await buildPatch({ version: 'in-workers', files: [{ file, runningPath: file, newPath: fixed }] }));
        assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
        assert.equal(await failLine(before), FAIL_V2, 'the worker running when the patch came');
        const later = await start(file);
        assert.equal(await failLine(later), FAIL_V2, 'a worker started after the patch');
        const reverted = await workerEngine.revert('in-workers');
        assert.ok(reverted.ok, reverted.ok ? '' : `${reverted.error.code}: ${reverted.error.message}`);
        assert.equal(await failLine(before), FAIL_V1);
        assert.equal(await failLine(later), FAIL_V1);
      } finally {
        await closeEngine(workerEngine);
      }
    });
  });
});
