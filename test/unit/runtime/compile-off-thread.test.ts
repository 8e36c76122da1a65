/**
 * The default loader compiles artifacts in a worker thread and deserialises V8's code cache on the
 * main thread. Checked with real builds: what `status().compile` counts, a cache V8 rejects and a
 * worker that fails both falling back to a compile on the main thread (the plugin serving the same),
 * the main-thread compile when off-thread compiling is off, stack traces mapped to the .ts lines
 * through the cached code. (An artifact that does not parse is refused as before, naming the
 * plugin: manager-failures.test.ts, through this same loader.)
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { FunctionArtifactLoader, PluginManager, type ArtifactLoader } from '../../../src/index.js';
import type { CodeCacheCompiler } from '../../../src/runtime/compile-worker.js';
import { pluginSource } from '../../helpers/plugin-source.js';
import { workspacePerTest } from '../../helpers/workspace.js';

const THROWER = pluginSource(`functions: {
    version: () => 'v',
    fail: () => { throw new Error('from the plugin'); },
  },`);

describe('compiling artifacts off the main thread', () => {
  const fx = workspacePerTest();

  beforeEach(async () => {
    await fx.ws.plugin('alpha', THROWER, 'v1');
  });

  async function loaded(loader?: ArtifactLoader): Promise<PluginManager> {
    fx.manager = new PluginManager({ pluginDir: fx.ws.outDir, freeDelay: 0, ...(loader === undefined ? {} : { loader }) });
    const outcome = await fx.manager.load();
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    return fx.manager;
  }

  /** The stack of the plugin's `fail`. */
  function failure(m: PluginManager): string {
    try {
      m.invoke('alpha', 'fail');
    } catch (error) {
      return (error as Error).stack ?? '';
    }
    return '';
  }

  it('counts each artifact deserialised from the worker’s code cache, and maps stack traces to the .ts lines', async () => {
    const m = await loaded();
    assert.deepEqual(m.status().compile, { cached: 1, rejected: 0, mainThread: 0 });
    await fx.ws.plugin('alpha', THROWER.replace("'v'", "'v2'"), 'v2');
    assert.ok((await m.reload()).ok);
    assert.equal(m.invoke('alpha', 'version'), 'v2');
    assert.deepEqual(m.status().compile, { cached: 2, rejected: 0, mainThread: 0 });
    assert.match(failure(m), /alpha[/\\]index\.ts:6:\d+/, 'the line of the throw in the .ts source');
  });

  it('compiles on the main thread when V8 rejects the cache, and counts it', async () => {
    const garbage: CodeCacheCompiler = { compile: () => Promise.resolve(Buffer.from('not a code cache')) };
    const loader = new FunctionArtifactLoader({ compiler: garbage });
    const m = await loaded(loader);
    assert.equal(m.invoke('alpha', 'version'), 'v');
    assert.deepEqual(loader.counts, { cached: 0, rejected: 1, mainThread: 0 });
    assert.match(failure(m), /alpha[/\\]index\.ts:6:\d+/);
  });

  it('compiles on the main thread when the worker cannot, or when off-thread compiling is off', async () => {
    const failing: CodeCacheCompiler = { compile: () => Promise.reject(new Error('worker gone')) };
    const loader = new FunctionArtifactLoader({ compiler: failing });
    const m = await loaded(loader);
    assert.equal(m.invoke('alpha', 'version'), 'v');
    assert.deepEqual(loader.counts, { cached: 0, rejected: 0, mainThread: 1 });
    await m.close();
    const plain = new FunctionArtifactLoader({ compileOffThread: false });
    const n = await loaded(plain);
    assert.deepEqual(plain.counts, { cached: 0, rejected: 0, mainThread: 1 });
    assert.match(failure(n), /alpha[/\\]index\.ts:6:\d+/);
  });
});
