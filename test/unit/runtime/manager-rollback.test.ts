import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { PluginManager, HotswapError } from '../../../src/index.js';
import { recordingPlugin } from '../../helpers/plugin-source.js';
import { failed, ok } from '../../helpers/outcomes.js';
import { pluginEvents, workspacePerTest } from '../../helpers/workspace.js';

// This file's own runtime directory: the kept copies of this process are looked at (and tampered with) below.
const runtimeDir = mkdtempSync(join(tmpdir(), 'hotswap-rollback-runtime-'));
process.env['HOTSWAP_RUNTIME_DIR'] = runtimeDir;
after(() => rmSync(runtimeDir, { recursive: true, force: true }));

/** The kept copies of this process, by file name. */
function keptCopies(): string[] {
  const root = join(runtimeDir, `${process.pid}.kept`);
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((manager) => readdirSync(join(root, manager)).map((file) => join(root, manager, file)));
}

describe('PluginManager rollback', () => {
  let events: string[];
  const fx = workspacePerTest();

  beforeEach(() => {
    events = pluginEvents();
  });

  /** Loads alpha a1 (v1), then reloads a2 (v2) and a3 (v3): generations 1, 2, 3. */
  async function threeGenerations(options: { keepGenerations?: number } = {}): Promise<PluginManager> {
    await fx.ws.plugin('alpha', recordingPlugin('alpha', 'a1'), 'v1');
    const m = new PluginManager({ pluginDir: fx.ws.outDir, freeDelay: 0, ...options });
    fx.manager = m;
    ok(await m.load());
    await fx.ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'v2');
    ok(await m.reload());
    await fx.ws.plugin('alpha', recordingPlugin('alpha', 'a3'), 'v3');
    ok(await m.reload());
    return m;
  }

  it('goes back to the generation before the current one by default, as a new generation with its artifacts', async () => {
    const m = await threeGenerations();
    events.length = 0;
    const outcome = ok(await m.rollback({ data: 'back' }));
    assert.equal(outcome.rolledBackTo, 2);
    assert.equal(outcome.generation, 4);
    assert.deepEqual(
      outcome.details.map((d) => [d.name, d.status, d.version, d.previousVersion]),
      [['alpha', 'ok', 'v2', 'v3']],
    );
    assert.equal(m.invoke('alpha', 'version'), 'a2');
    // The hooks ran as in a reload, with the data given.
    assert.ok(events.includes('onLoad alpha@a2 "back"'), events.join('\n'));
    const status = m.status();
    assert.deepEqual(
      status.kept.map((k) => [k.id, k.plugins]),
      [
        [1, ['alpha@v1']],
        [2, ['alpha@v2']],
        [3, ['alpha@v3']],
        [4, ['alpha@v2']],
      ],
    );
    assert.deepEqual(
      status.recent.map((r) => [r.kind, r.ok]),
      [
        ['load', true],
        ['reload', true],
        ['reload', true],
        ['rollback', true],
      ],
    );
    // Two rollbacks in a row walk back: generation 4 came after 3.
    assert.equal(ok(await m.rollback()).rolledBackTo, 3);
    assert.equal(m.invoke('alpha', 'version'), 'a3');
  });

  it('loads the kept copies when the plugin directory has moved on and its artifacts are gone', async () => {
    const m = await threeGenerations();
    rmSync(fx.ws.outDir, { recursive: true, force: true });
    const outcome = ok(await m.rollback({ to: 1 }));
    assert.equal(outcome.rolledBackTo, 1);
    assert.equal(m.invoke('alpha', 'version'), 'a1');
    // The next reload reads the plugin directory again (now missing): refused, generation 4 keeps serving.
    const reload = failed(await m.reload());
    assert.equal(reload.error.code, 'HOTSWAP_ERR_PLUGIN_DIR_MISSING');
    assert.equal(m.invoke('alpha', 'version'), 'a1');
  });

  it('refuses a generation that is not kept, and the current one keeps serving', async () => {
    const m = await threeGenerations({ keepGenerations: 2 });
    for (const to of [1, 99]) {
      const outcome = failed(await m.rollback({ to }));
      assert.equal(outcome.error.code, 'HOTSWAP_ERR_ROLLBACK_UNAVAILABLE');
      assert.equal(outcome.stage, 'discover');
      assert.match(outcome.error.message, new RegExp(`generation ${to}: it is not kept \\(the kept generations are 2, 3\\)`));
    }
    const current = failed(await m.rollback({ to: 3 }));
    assert.match(current.error.message, /it is the current generation/);
    assert.equal(m.invoke('alpha', 'version'), 'a3');
    assert.equal(m.status().current?.id, 3);
    // The copies of generation 1 were removed when it left the window: two artifacts kept.
    assert.deepEqual(keptCopies().map((file) => /alpha\.[0-9a-f]{12}\.js$/.test(file)), [true, true]);
  });

  it('refuses a tampered kept copy (hash mismatch) when the original is gone too', async () => {
    const m = await threeGenerations();
    rmSync(fx.ws.outDir, { recursive: true, force: true });
    for (const copy of keptCopies()) writeFileSync(copy, 'module.exports = { default: "tampered" };\n');
    const outcome = failed(await m.rollback());
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_HASH_MISMATCH');
    assert.equal(outcome.plugin, 'alpha');
    assert.equal(m.invoke('alpha', 'version'), 'a3');
  });

  it('is off with keepGenerations: 0, and rejects a bad `to` as a programmer error', async () => {
    const m = await threeGenerations({ keepGenerations: 0 });
    const outcome = failed(await m.rollback());
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_ROLLBACK_UNAVAILABLE');
    assert.match(outcome.error.message, /no generation is kept/);
    assert.deepEqual(keptCopies(), []);
    for (const to of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(m.rollback({ to }), (error: unknown) => error instanceof HotswapError && error.code === 'HOTSWAP_ERR_INVALID_ARGUMENT');
    }
    assert.throws(() => new PluginManager({ pluginDir: fx.ws.outDir, keepGenerations: -1 }), /keepGenerations/);
  });

  it('runs after a queued reload, in the order asked, and announces itself on the reload channels', async () => {
    const m = await threeGenerations();
    const kinds: string[] = [];
    const listener = (message: unknown): void => void kinds.push((message as { kind: string }).kind);
    subscribe('hotswap:reload:end', listener);
    try {
      await fx.ws.plugin('alpha', recordingPlugin('alpha', 'a4'), 'v4');
      const [reload, rollback] = await Promise.all([m.reload(), m.rollback()]);
      assert.equal(ok(reload).generation, 4);
      // Asked after the reload, so it goes back from generation 4 to 3.
      assert.equal(ok(rollback).rolledBackTo, 3);
    } finally {
      unsubscribe('hotswap:reload:end', listener);
    }
    assert.deepEqual(kinds, ['reload', 'rollback']);
    assert.equal(m.invoke('alpha', 'version'), 'a3');
  });

  it('removes its copies on close, and the copies a dead process left behind', async () => {
    // A process that has exited: its pid is dead, so its directory is swept by the next keeper.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    assert.ok(dead !== undefined);
    const leftover = join(runtimeDir, `${dead}.kept`);
    mkdirSync(join(leftover, 'm1'), { recursive: true });
    writeFileSync(join(leftover, 'm1', 'alpha.000000000000.js'), '');
    const m = await threeGenerations();
    assert.equal(existsSync(leftover), false);
    assert.equal(keptCopies().length, 3);
    await m.close();
    fx.manager = undefined;
    assert.deepEqual(keptCopies(), []);
  });
});
