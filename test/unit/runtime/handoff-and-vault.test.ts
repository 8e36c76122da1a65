/**
 * State handoff (snapshot/restore) and the vault: what each plugin sees on a reload.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import { pluginSource } from '../../helpers/plugin-source.js';
import { ok, failed } from '../../helpers/outcomes.js';
import { pluginEvents, recordingLogger, Workspace } from '../../helpers/workspace.js';


/** A counter plugin whose count survives reloads through snapshot/restore. */
function counter(tag: string, snapshotBody = 'return { count, from: TAG };', restoreBody = "count = (state as { count: number }).count; record(`restore ${TAG} from ${fromVersion}`);"): string {
  return pluginSource(
    `
    snapshot() { ${snapshotBody} },
    restore(state: unknown, fromVersion: string) { ${restoreBody} },
    functions: { hit: () => ++count, tag: () => TAG },`,
    `let count = 0; const TAG = '${tag}';`,
  );
}

describe('state handoff', () => {
  let ws: Workspace;
  let events: string[];
  let manager: PluginManager;

  beforeEach(async () => {
    ws = await Workspace.create();
    events = pluginEvents();
    await ws.plugin('counter', counter('c1'), 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0, logger: recordingLogger() });
    ok(await manager.load());
    manager.invoke('counter', 'hit');
    manager.invoke('counter', 'hit');
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  it('hands the outgoing version state to the incoming one, with the version it came from', async () => {
    await ws.plugin('counter', counter('c2'), 'v2');
    ok(await manager.reload());
    assert.equal(manager.invoke('counter', 'tag'), 'c2');
    assert.equal(manager.invoke('counter', 'hit'), 3);
    assert.deepEqual(events, ['restore c2 from v1']);
  });

  it('drops the state when the incoming version has no restore()', async () => {
    await ws.plugin('counter', pluginSource('functions: { hit: () => 1 },'), 'v2');
    ok(await manager.reload());
    assert.equal(manager.invoke('counter', 'hit'), 1);
  });

  const refusals: [string, string, string, 'snapshot' | 'restore', RegExp][] = [
    ['snapshot throws', "throw new Error('cannot snapshot');", '', 'snapshot', /snapshot\(\) of plugin "counter" failed: cannot snapshot/],
    ['snapshot returns a function', 'return { count, later: () => count };', '', 'snapshot', /not plain data at \$\.later: a function/],
    ['snapshot returns a class instance', 'return { when: new (class Stamp {})() };', '', 'snapshot', /\$\.when: an instance of class Stamp/],
    ['restore throws', 'return { count };', "throw new Error('bad state');", 'restore', /restore\(\) of plugin "counter" failed: bad state/],
    ['restore rejects', 'return { count };', "return Promise.reject(new Error('bad state'));", 'restore', /restore\(\) of plugin "counter" failed: bad state/],
  ];
  for (const [label, snapshotBody, restoreBody, hook, message] of refusals) {
    it(`refuses the reload when ${label}, and the old version keeps its state`, async () => {
      if (hook === 'snapshot') {
        // The OUTGOING version's snapshot runs: make v1 the faulty one by reloading into it first.
        await ws.plugin('counter', counter('c1', snapshotBody), 'v1b');
        ok(await manager.reload());
        manager.invoke('counter', 'hit');
        await ws.plugin('counter', counter('c2'), 'v2');
      } else {
        await ws.plugin('counter', counter('c2', snapshotBody, restoreBody), 'v2');
      }
      const outcome = failed(await manager.reload());
      assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['handoff', 'counter', 'HOTSWAP_ERR_STATE_HANDOFF']);
      assert.match(outcome.error.message, message);
      assert.notEqual(manager.invoke('counter', 'tag'), 'c2');
      // 2 hits before, 1 more on v1b in the snapshot cases, then this one.
      assert.equal(manager.invoke('counter', 'hit'), hook === 'snapshot' ? 4 : 3, 'the serving version kept counting');
    });
  }
});

describe('vault on reload', () => {
  let ws: Workspace;
  let manager: PluginManager<{ routes: Record<string, string> }>;
  let extensions: { routes: Record<string, string> }[];

  /** Fills the extension in onVault (every generation) and records its data bag. */
  function router(name: string, tag: string): string {
    return pluginSource(`
      onVault(vault: { generation: number; extension: { routes: Record<string, string> }; dataBag: { set(k: string, v: unknown): void; keys(): string[] } }) {
        vault.extension.routes['/${name}'] = '${tag}';
        vault.dataBag.set('${name}', { tag: '${tag}', generation: vault.generation });
        record('onVault ${name}@${tag} gen ' + vault.generation + ' bag ' + vault.dataBag.keys().join('+'));
      },
      onInit() { record('onInit ${name}@${tag}'); },
    `);
  }

  beforeEach(async () => {
    ws = await Workspace.create();
    pluginEvents();
    extensions = [];
    await ws.write('alpha', router('alpha', 'a1'));
    await ws.write('beta', router('beta', 'b1'));
    await ws.build(['alpha', 'beta'], 'v1');
    manager = new PluginManager({
      pluginDir: ws.outDir,
      freeDelay: 0,
      extension: () => {
        const ext = { routes: {} };
        extensions.push(ext);
        return ext;
      },
    });
    ok(await manager.load());
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  it('gives every plugin, carried-over ones too, the new vault in onVault: the new extension is complete', async () => {
    const events = pluginEvents();
    await ws.plugin('alpha', router('alpha', 'a2'), 'v2');
    const outcome = ok(await manager.reload());
    assert.deepEqual(extensions.at(-1), { routes: { '/alpha': 'a2', '/beta': 'b1' } });
    assert.deepEqual(extensions[0], { routes: { '/alpha': 'a1', '/beta': 'b1' } }, 'the old extension is untouched');
    const gen = outcome.generation;
    // onVault for both (beta carried over), onInit only for the new alpha; a fresh data bag per generation.
    assert.deepEqual(events, [
      `onVault alpha@a2 gen ${gen} bag alpha`,
      `onVault beta@b1 gen ${gen} bag alpha+beta`,
      'onInit alpha@a2',
    ]);
  });

  it('refuses code in the data bag', async () => {
    await ws.plugin('alpha', pluginSource("onVault(vault: { dataBag: { set(k: string, v: unknown): void } }) { vault.dataBag.set('fn', { run() {} }); },"), 'v3');
    const outcome = failed(await manager.reload());
    assert.deepEqual([outcome.stage, outcome.plugin], ['onVault', 'alpha']);
    assert.match(outcome.error.message, /not plain data at \$\.run: a function/);
  });
});

describe('manager.vault', () => {
  it('is the current generation vault, and the pinned one inside pin()', async () => {
    const ws = await Workspace.create();
    pluginEvents();
    const filler = (tag: string): string =>
      pluginSource(`onVault(vault: { extension: { tag?: string } }) { vault.extension.tag = '${tag}'; },`);
    await ws.plugin('filler', filler('t1'), 'v1');
    const manager = new PluginManager<{ tag?: string }>({ pluginDir: ws.outDir, freeDelay: 0, extension: () => ({}) });
    assert.throws(() => manager.vault, { code: 'HOTSWAP_ERR_NOT_LOADED' });
    ok(await manager.load());
    assert.equal(manager.vault.extension.tag, 't1');
    const seen = await manager.pin(async () => {
      await ws.plugin('filler', filler('t2'), 'v2');
      ok(await manager.reload());
      return [manager.vault.extension.tag, manager.vault.generation];
    });
    assert.equal(seen[0], 't1', 'pinned: still the old vault');
    assert.equal(manager.vault.extension.tag, 't2');
    assert.notEqual(manager.vault.generation, seen[1]);
    await manager.close();
    await ws.dispose();
  });
});

describe('vault after a failed reload', () => {
  it('hands carried-over plugins the serving vault back when a reload fails after onVault', async () => {
    const ws = await Workspace.create();
    pluginEvents();
    // keeper keeps the vault onVault gave it and reports which generation that vault belongs to.
    await ws.write(
      'keeper',
      pluginSource(
        'onVault(v: { generation: number }) { kept = v; }, functions: { keptGeneration: () => kept?.generation },',
        'let kept: { generation: number } | undefined;',
      ),
    );
    await ws.write('other', pluginSource("functions: { version: () => 'o1' },"));
    await ws.build(['keeper', 'other'], 'v1');
    const manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0, logger: recordingLogger() });
    const loaded = ok(await manager.load());
    await ws.plugin('other', pluginSource("onInit() { throw new Error('v2 broken'); },"), 'v2');
    failed(await manager.reload());
    assert.equal(manager.invoke('keeper', 'keptGeneration'), loaded.generation);
    assert.equal(manager.vault.generation, loaded.generation);
    await manager.close();
    await ws.dispose();
  });

  it('accepts a relative pluginDir', async () => {
    const ws = await Workspace.create();
    pluginEvents();
    await ws.plugin('rel', pluginSource("functions: { ok: () => 'yes' },"));
    const path = await import('node:path');
    const manager = new PluginManager({ pluginDir: path.relative(process.cwd(), ws.outDir) });
    ok(await manager.load());
    assert.equal(manager.invoke('rel', 'ok'), 'yes');
    assert.equal(manager.pluginDir, ws.outDir);
    await manager.close();
    await ws.dispose();
  });
});
