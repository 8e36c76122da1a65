import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager, type FreedGenerationInfo } from '../../../src/index.js';
import { pluginSource, recordingPlugin } from '../../helpers/plugin-source.js';
import { ok } from '../../helpers/outcomes.js';
import { pluginEvents, Workspace } from '../../helpers/workspace.js';


describe('PluginManager lifecycle', () => {
  let ws: Workspace;
  let events: string[];
  let manager: PluginManager | undefined;

  beforeEach(async () => {
    ws = await Workspace.create();
    events = pluginEvents();
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await ws.dispose();
  });

  it('loads every plugin: onLoad(data) for each, then onInit with the generation vault', async () => {
    await ws.write('alpha', recordingPlugin('alpha', 'a1'));
    await ws.write('beta', recordingPlugin('beta', 'b1'));
    await ws.build(['alpha', 'beta'], 'v1');
    const extensions: Record<string, unknown>[] = [];
    manager = new PluginManager({
      pluginDir: ws.outDir,
      extension: () => {
        const ext = {};
        extensions.push(ext);
        return ext;
      },
    });
    const outcome = ok(await manager.load({ port: 1 }));
    assert.deepEqual(events, [
      'onLoad alpha@a1 {"port":1}',
      'onLoad beta@b1 {"port":1}',
      'onInit alpha@a1',
      'onInit beta@b1',
    ]);
    assert.deepEqual(
      outcome.details.map((d) => [d.name, d.status, d.version]),
      [
        ['alpha', 'ok', 'v1'],
        ['beta', 'ok', 'v1'],
      ],
    );
    assert.equal(extensions.length, 1);
    assert.deepEqual(extensions[0], { alpha: 'a1', beta: 'b1' });
    assert.equal(manager.invoke('alpha', 'version'), 'a1');
    const status = manager.status();
    assert.equal(status.current?.id, outcome.generation);
    assert.deepEqual(
      status.current?.plugins.map((p) => `${p.name}@${p.version}`),
      ['alpha@v1', 'beta@v1'],
    );
    assert.equal(status.reloadCount, 0);
  });

  it('reloads a changed plugin, carries an unchanged one over without re-running its hooks', async () => {
    await ws.write('alpha', recordingPlugin('alpha', 'a1'));
    await ws.write('beta', recordingPlugin('beta', 'b1'));
    await ws.build(['alpha', 'beta'], 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0 });
    const first = ok(await manager.load());
    events.length = 0;

    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
    const freed = once(manager, 'freed');
    const second = ok(await manager.reload('again'));
    assert.ok(second.generation > first.generation);
    assert.deepEqual(
      second.details.map((d) => [d.name, d.status, d.version, d.previousVersion]),
      [
        ['alpha', 'ok', 'v2', 'v1'],
        ['beta', 'unchanged', 'v1', undefined],
      ],
    );
    assert.equal(manager.invoke('alpha', 'version'), 'a2');
    assert.equal(manager.invoke('beta', 'version'), 'b1');
    await freed;
    // beta was carried over: its hooks did not run again and it was not freed.
    assert.deepEqual(events, ['onLoad alpha@a2 "again"', 'onInit alpha@a2', 'onFree alpha@a1']);
    assert.equal(manager.status().reloadCount, 1);
  });

  it('reports in `freed` only the versions freed: a carried-over one with the last generation that holds it', async () => {
    await ws.write('alpha', recordingPlugin('alpha', 'a1'));
    await ws.write('beta', recordingPlugin('beta', 'b1'));
    await ws.build(['alpha', 'beta'], 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0 });
    const first = ok(await manager.load());
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
    const reports: FreedGenerationInfo[] = [];
    manager.on('freed', (generation) => reports.push(generation));
    const freed = once(manager, 'freed');
    const second = ok(await manager.reload());
    await freed;
    const listed = (report: FreedGenerationInfo | undefined): string[] => (report?.plugins ?? []).map((p) => `${p.name}@${p.version}`);
    assert.equal(reports[0]?.id, first.generation);
    assert.deepEqual(listed(reports[0]), ['alpha@v1'], 'beta v1 lives on in the new generation');
    assert.ok(!events.includes('onFree beta@b1'));

    await manager.close();
    assert.equal(reports[1]?.id, second.generation);
    assert.deepEqual(listed(reports[1]), ['alpha@v2', 'beta@v1'], 'beta v1 freed with the last generation holding it');
    assert.equal(reports.length, 2);
  });

  it('uses no generation for a reload that finds nothing changed: the current one stays, no hook runs', async () => {
    await ws.plugin('alpha', recordingPlugin('alpha', 'a1', 'onVault() { record(\'onVault alpha@a1\'); },'), 'v1');
    let extensions = 0;
    let asked = 0;
    manager = new PluginManager({
      pluginDir: ws.outDir,
      extension: () => ({ ordinal: ++extensions }),
      onReload: () => void asked++,
    });
    const first = ok(await manager.load());
    assert.equal(first.changed, true);
    events.length = 0;

    const same = ok(await manager.reload('nothing new'));
    assert.equal(same.changed, false);
    assert.equal(same.generation, first.generation);
    assert.equal(same.summary, 'nothing changed: alpha v1 (unchanged)');
    assert.deepEqual(same.details, [{ name: 'alpha', version: 'v1', status: 'unchanged' }]);
    assert.deepEqual(events, [], 'no hook ran');
    assert.equal(extensions, 1, 'no vault was built');
    assert.equal(asked, 1, 'onReload was asked about the load only');
    const status = manager.status();
    assert.equal(status.current?.id, first.generation);
    assert.deepEqual(status.retired, [], 'the current generation was not swapped out');
    assert.equal(status.reloadCount, 0);
    assert.deepEqual(status.lastOutcome, { ok: true, generation: first.generation });

    // The id the no-op reload did not use goes to the next generation actually built.
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
    const changed = ok(await manager.reload());
    assert.equal(changed.changed, true);
    assert.equal(changed.generation, first.generation + 1);
    assert.equal(manager.status().current?.id, first.generation + 1);
  });

  it('carries over a plugin whose current version is not reloadable, even when rebuilt', async () => {
    await ws.plugin('keep', recordingPlugin('keep', 'k1', 'reloadable: false,'), 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir });
    ok(await manager.load());
    await ws.plugin('keep', recordingPlugin('keep', 'k2'), 'v2');
    const outcome = ok(await manager.reload());
    assert.deepEqual(outcome.details, [{ name: 'keep', version: 'v1', status: 'not reloadable' }]);
    assert.equal(manager.invoke('keep', 'version'), 'k1');
    assert.equal(manager.status().current?.plugins[0]?.reloadable, false);
  });

  it('drops a plugin whose manifest was removed, and reports it', async () => {
    await ws.write('alpha', recordingPlugin('alpha', 'a1'));
    await ws.write('beta', recordingPlugin('beta', 'b1'));
    await ws.build(['alpha', 'beta'], 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0 });
    ok(await manager.load());
    const { rm } = await import('node:fs/promises');
    await rm(`${ws.outDir}/beta.manifest.json`);
    const freed = once(manager, 'freed');
    const outcome = ok(await manager.reload());
    assert.deepEqual(
      outcome.details.map((d) => `${d.name} ${d.status}`),
      ['alpha unchanged', 'beta removed'],
    );
    assert.throws(() => manager?.invoke('beta', 'version'), { code: 'HOTSWAP_ERR_PLUGIN_NOT_FOUND' });
    await freed;
    assert.ok(events.includes('onFree beta@b1'));
    assert.ok(!events.includes('onFree alpha@a1'));
  });

  it('builds a new extension per generation; a reloaded plugin fills the new one', async () => {
    await ws.plugin('alpha', recordingPlugin('alpha', 'a1'), 'v1');
    let made = 0;
    const manager1 = new PluginManager<Record<string, unknown>>({
      pluginDir: ws.outDir,
      extension: () => ({ generationOrdinal: ++made }),
    });
    manager = manager1;
    ok(await manager1.load());
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
    ok(await manager1.reload());
    assert.equal(made, 2);
  });

  it('passes the new and the previous generation to onReload, last, before the swap', async () => {
    await ws.plugin('alpha', recordingPlugin('alpha', 'a1'), 'v1');
    const seen: string[] = [];
    manager = new PluginManager({
      pluginDir: ws.outDir,
      onReload: (next, prev) => {
        seen.push(`${prev?.plugins[0]?.version ?? 'none'} -> ${next.plugins[0]?.version ?? 'none'}`);
        events.push('onReload');
      },
    });
    ok(await manager.load());
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
    ok(await manager.reload());
    assert.deepEqual(seen, ['none -> v1', 'v1 -> v2']);
    assert.equal(events.at(-1), 'onReload');
    assert.equal(events.at(-2), 'onInit alpha@a2');
  });

  it('runs plugins with sub-modules and async hooks', async () => {
    await ws.plugin('multi', {
      'index.ts': pluginSource(
        `async onLoad() { await new Promise((r) => setImmediate(r)); record('loaded'); },
         functions: {
           area: (r: number) => circleArea(r),
           label: () => label,
           join: (...parts: unknown[]) => parts.join('|'),
           count: (...parts: unknown[]) => parts.length,
         },`,
        "import { circleArea } from './geometry/circle.js';\nimport { label } from './label.js';",
      ),
      'geometry/circle.ts': 'export const circleArea = (r: number): number => Math.round(Math.PI * r * r);\n',
      'label.ts': "export const label: string = 'sub-modules work';\n",
    });
    manager = new PluginManager({ pluginDir: ws.outDir });
    ok(await manager.load());
    assert.equal(manager.invoke('multi', 'area', 10), 314);
    assert.equal(manager.invoke('multi', 'label'), 'sub-modules work');
    // Every argument count reaches the function, through invoke and through a find() handle.
    const join = manager.find('multi').functions.join as (...parts: unknown[]) => string;
    for (let n = 0; n <= 6; n++) {
      const parts = Array.from({ length: n }, (_, i) => i);
      assert.equal(manager.invoke('multi', 'join', ...parts), parts.join('|'));
      assert.equal(manager.invoke('multi', 'count', ...parts), n);
      assert.equal(join(...parts), parts.join('|'));
    }
    assert.equal(manager.invoke('multi', 'count', undefined), 1, 'an explicit undefined is an argument');
    assert.deepEqual(events, ['loaded']);
  });

  it('maps stack traces from plugin code to the original .ts line', async () => {
    await ws.plugin(
      'thrower',
      [
        "import { definePlugin } from 'hotswap/plugin';",
        'interface Input { n: number }',
        'function fail(input: Input): never {',
        '  throw new Error(`bad ${input.n}`);',
        '}',
        'export default definePlugin({ functions: { fail: () => fail({ n: 1 }) } });',
        '',
      ].join('\n'),
    );
    manager = new PluginManager({ pluginDir: ws.outDir });
    ok(await manager.load());
    const error = (() => {
      try {
        manager.invoke('thrower', 'fail');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    assert.match(error?.stack ?? '', /thrower[/\\]index\.ts:4:\d+/);
  });
});
