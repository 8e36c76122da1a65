/**
 * Every way a load or reload can fail: the outcome names the code, the stage and the plugin, the
 * current generation keeps serving, and what the failed attempt loaded is freed.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import { pluginSource, recordingPlugin } from '../../helpers/plugin-source.js';
import { failed } from '../../helpers/outcomes.js';
import { pluginEvents, recordingLogger, Workspace } from '../../helpers/workspace.js';


type Mode = 'throws' | 'rejects' | 'never settles';
const failing: Record<Mode, (hook: string) => string> = {
  throws: (hook) => `throw new Error('${hook} broke');`,
  rejects: (hook) => `return Promise.reject(new Error('${hook} broke'));`,
  'never settles': () => 'return new Promise(() => {});',
};

describe('PluginManager failures', () => {
  let ws: Workspace;
  let events: string[];
  let manager: PluginManager;
  const logger = recordingLogger();

  beforeEach(async () => {
    ws = await Workspace.create();
    events = pluginEvents();
    await ws.write('alpha', recordingPlugin('alpha', 'a1'));
    await ws.write('beta', recordingPlugin('beta', 'b1'));
    await ws.build(['alpha', 'beta'], 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, hookTimeout: 100, freeDelay: 0, logger });
    const loaded = await manager.load();
    assert.ok(loaded.ok);
    events.length = 0;
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  /** The generation that served before the failed reload still serves, untouched. */
  function assertStillServingV1(): void {
    assert.equal(manager.invoke('alpha', 'version'), 'a1');
    assert.equal(manager.invoke('beta', 'version'), 'b1');
    assert.equal(manager.status().retired.length, 0);
  }

  for (const hook of ['onLoad', 'onInit'] as const) {
    for (const mode of Object.keys(failing) as Mode[]) {
      it(`refuses a reload whose ${hook} ${mode}, and frees what it loaded`, async () => {
        // alpha changes fine; beta's new version fails in `hook`.
        await ws.write('alpha', recordingPlugin('alpha', 'a2'));
        await ws.write(
          'beta',
          recordingPlugin('beta', 'b2', `${hook}() { record('${hook} beta@b2'); ${failing[mode](hook)} },`),
        );
        await ws.build(['alpha', 'beta'], 'v2');
        const outcome = failed(await manager.reload());
        assert.equal(outcome.stage, hook);
        assert.equal(outcome.plugin, 'beta');
        assert.equal(outcome.error.code, mode === 'never settles' ? 'HOTSWAP_ERR_HOOK_TIMEOUT' : 'HOTSWAP_ERR_HOOK_FAILED');
        assert.match(outcome.error.message, new RegExp(`${hook}\\(\\) of plugin "beta"`));
        if (mode !== 'never settles') assert.equal((outcome.error.cause as Error).message, `${hook} broke`);
        assertStillServingV1();
        // alpha@a2 had loaded, so it is freed; beta@b2 is freed only if its onLoad had succeeded.
        assert.ok(events.includes('onFree alpha@a2'));
        assert.equal(events.includes('onFree beta@b2'), hook === 'onInit');
        assert.ok(!events.some((e) => e.endsWith('@a1') || e.endsWith('@b1')), 'v1 untouched');
        assert.equal(manager.status().failedCount, 1);
        assert.equal(manager.status().lastOutcome?.ok, false);
      });
    }
  }

  it('refuses a plugin that throws while evaluating', async () => {
    await ws.plugin('beta', pluginSource('', "throw new Error('top-level boom');"), 'v2');
    const outcome = failed(await manager.reload());
    assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['load', 'beta', 'HOTSWAP_ERR_PLUGIN_EVALUATION']);
    assert.match(outcome.error.message, /top-level boom/);
    assertStillServingV1();
  });

  it('names the generation id a failed reload used, and never uses it again', async () => {
    await ws.plugin('beta', pluginSource('', "throw new Error('top-level boom');"), 'v2');
    const outcome = failed(await manager.reload());
    assert.equal(outcome.generation, 2, 'generation 1 serves; the attempt was building 2');
    assert.equal(manager.status().recent.at(-1)?.ok === false && manager.status().recent.at(-1)?.generation, 2);
    await ws.plugin('beta', recordingPlugin('beta', 'b3'), 'v3');
    const next = await manager.reload();
    assert.ok(next.ok);
    assert.equal(next.generation, 3);
  });

  it('refuses a root module whose default export is not definePlugin()', async () => {
    await ws.plugin('beta', 'export default { functions: {} };\n', 'v2');
    const outcome = failed(await manager.reload());
    assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['load', 'beta', 'HOTSWAP_ERR_PLUGIN_INVALID']);
    assertStillServingV1();
  });

  it('refuses a definition with a non-function hook', async () => {
    await ws.plugin('beta', pluginSource("onLoad: 'soon' as never,"), 'v2');
    const outcome = failed(await manager.reload());
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_PLUGIN_INVALID');
    assert.match(outcome.error.message, /"onLoad" must be a function/);
    assertStillServingV1();
  });

  it('refuses a tampered artifact (sha256 mismatch)', async () => {
    const manifest = await ws.plugin('beta', recordingPlugin('beta', 'b2'), 'v2');
    const file = join(ws.outDir, manifest.artifact);
    const text = await readFile(file, 'utf8');
    assert.ok(text.includes('b2'));
    await writeFile(file, text.replaceAll('b2', 'ev'));
    const outcome = failed(await manager.reload());
    assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['load', 'beta', 'HOTSWAP_ERR_HASH_MISMATCH']);
    assertStillServingV1();
  });

  it('refuses a broken artifact whose manifest was edited to match (syntax error)', async () => {
    const manifest = await ws.plugin('beta', recordingPlugin('beta', 'b2'), 'v2');
    const file = join(ws.outDir, manifest.artifact);
    const truncated = Buffer.concat([(await readFile(file)).subarray(0, 200), Buffer.from('\n(((')]);
    await writeFile(file, truncated);
    const { createHash } = await import('node:crypto');
    const manifestFile = join(ws.outDir, 'beta.manifest.json');
    const edited = { ...manifest, sha256: createHash('sha256').update(truncated).digest('hex') };
    await writeFile(manifestFile, JSON.stringify(edited));
    const outcome = failed(await manager.reload());
    assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['load', 'beta', 'HOTSWAP_ERR_PLUGIN_EVALUATION']);
    assert.ok(outcome.error.cause instanceof SyntaxError);
    assertStillServingV1();
  });

  it('refuses a manifest whose artifact is missing', async () => {
    const manifest = await ws.plugin('beta', recordingPlugin('beta', 'b2'), 'v2');
    await rm(join(ws.outDir, manifest.artifact));
    const outcome = failed(await manager.reload());
    assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['load', 'beta', 'HOTSWAP_ERR_ARTIFACT_MISSING']);
    assertStillServingV1();
  });

  for (const [label, text] of [
    ['not JSON', '{ nope'],
    ['a wrong format number', '{"format": 99}'],
    ['an artifact path outside the directory', null],
  ] as const) {
    it(`refuses a malformed manifest: ${label}`, async () => {
      const file = join(ws.outDir, 'beta.manifest.json');
      const body = text ?? JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), artifact: '../../etc/passwd' });
      await writeFile(file, body);
      const outcome = failed(await manager.reload());
      assert.equal(outcome.stage, 'discover');
      assert.equal(outcome.error.code, 'HOTSWAP_ERR_MANIFEST_INVALID');
      assert.match(outcome.error.message, /beta\.manifest\.json/);
      assertStillServingV1();
    });
  }

  it('refuses two plugins whose names differ only in case', async () => {
    await ws.plugin('Alpha', recordingPlugin('Alpha', 'A1'), 'v1');
    const outcome = failed(await manager.reload());
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_DUPLICATE_PLUGIN');
    assert.match(outcome.error.message, /"Alpha" and "alpha"/);
    assertStillServingV1();
  });

  it('refuses a load when a whitelisted plugin is missing', async () => {
    const other = new PluginManager({ pluginDir: ws.outDir, whitelist: ['alpha', 'gamma'], logger });
    const outcome = failed(await other.load());
    assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['discover', 'gamma', 'HOTSWAP_ERR_WHITELISTED_PLUGIN_MISSING']);
    await other.close();
  });

  it('loads only whitelisted plugins', async () => {
    const other = new PluginManager({ pluginDir: ws.outDir, whitelist: ['beta'] });
    const outcome = await other.load();
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.details.map((d) => d.name), ['beta']);
    assert.throws(() => other.invoke('alpha', 'version'), { code: 'HOTSWAP_ERR_PLUGIN_NOT_FOUND' });
    await other.close();
  });

  it('reports a missing plugin directory', async () => {
    const other = new PluginManager({ pluginDir: join(ws.root, 'nowhere'), logger });
    const outcome = failed(await other.load());
    assert.deepEqual([outcome.stage, outcome.error.code], ['discover', 'HOTSWAP_ERR_PLUGIN_DIR_MISSING']);
    await other.close();
  });

  for (const veto of ['returns false', 'throws', 'rejects'] as const) {
    it(`lets onReload veto a reload (${veto}) and frees the discarded generation`, async () => {
      let armed = false;
      const vetoing = new PluginManager({
        pluginDir: ws.outDir,
        logger,
        onReload: () => {
          if (!armed) return true;
          if (veto === 'throws') throw new Error('not now');
          if (veto === 'rejects') return Promise.reject(new Error('not now'));
          return false;
        },
      });
      assert.ok((await vetoing.load()).ok);
      armed = true;
      events.length = 0;
      await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
      const outcome = failed(await vetoing.reload());
      assert.deepEqual([outcome.stage, outcome.error.code], ['onReload', 'HOTSWAP_ERR_RELOAD_VETOED']);
      if (veto !== 'returns false') assert.equal((outcome.error.cause as Error).message, 'not now');
      assert.equal(vetoing.invoke('alpha', 'version'), 'a1');
      assert.ok(events.includes('onFree alpha@a2'));
      await vetoing.close();
    });
  }

  it('reports an extension() factory that throws', async () => {
    let calls = 0;
    const other = new PluginManager({
      pluginDir: ws.outDir,
      logger,
      extension: () => {
        if (++calls > 1) throw new Error('no extension today');
        return {};
      },
    });
    assert.ok((await other.load()).ok);
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
    const outcome = failed(await other.reload());
    assert.deepEqual([outcome.stage, outcome.error.code], ['vault', 'HOTSWAP_ERR_EXTENSION_FAILED']);
    assert.equal(other.invoke('alpha', 'version'), 'a1');
    await other.close();
  });

  it('a failed first load can be retried with reload()', async () => {
    const dir = join(ws.root, 'late');
    const other = new PluginManager({ pluginDir: dir, logger });
    assert.equal((await other.load()).ok, false);
    assert.throws(() => other.invoke('alpha', 'version'), { code: 'HOTSWAP_ERR_NOT_LOADED' });
    await ws.build(['alpha'], 'v1');
    const { cp } = await import('node:fs/promises');
    await cp(ws.outDir, dir, { recursive: true });
    assert.ok((await other.reload()).ok);
    assert.equal(other.invoke('alpha', 'version'), 'a1');
    await other.close();
  });
});

describe('PluginManager programmer errors', () => {
  it('throws for bad options', () => {
    assert.throws(() => new PluginManager({ pluginDir: '' }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
    assert.throws(() => new PluginManager({ pluginDir: 'x', freeDelay: -1 }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
    assert.throws(() => new PluginManager({ pluginDir: 'x', freeDelay: 10, drainTimeout: 5 }), /drainTimeout/);
    assert.throws(() => new PluginManager({ pluginDir: 'x', whitelist: 'alpha' as never }), /whitelist/);
  });

  it('rejects load() twice and reload() before load(); refuses everything after close()', async () => {
    const ws = await Workspace.create();
    await ws.plugin('alpha', recordingPlugin('alpha', 'a1'));
    const manager = new PluginManager({ pluginDir: ws.outDir });
    await assert.rejects(manager.reload(), { code: 'HOTSWAP_ERR_NOT_LOADED' });
    assert.throws(() => manager.invoke('alpha', 'version'), { code: 'HOTSWAP_ERR_NOT_LOADED' });
    assert.ok((await manager.load()).ok);
    await assert.rejects(manager.load(), { code: 'HOTSWAP_ERR_ALREADY_LOADED' });
    assert.throws(() => manager.invoke('alpha', 'nope'), { code: 'HOTSWAP_ERR_FUNCTION_NOT_FOUND' });
    assert.throws(() => manager.invoke('nope', 'version'), { code: 'HOTSWAP_ERR_PLUGIN_NOT_FOUND' });
    await manager.close();
    assert.throws(() => manager.invoke('alpha', 'version'), { code: 'HOTSWAP_ERR_MANAGER_CLOSED' });
    await assert.rejects(manager.reload(), { code: 'HOTSWAP_ERR_MANAGER_CLOSED' });
    await ws.dispose();
  });
});
