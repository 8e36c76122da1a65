/**
 * Freed generations are garbage-collected; one kept alive by accident is reported by status().
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import { pluginSource, recordingPlugin } from '../../helpers/plugin-source.js';
import { collectUntil, pluginEvents, Workspace } from '../../helpers/workspace.js';

describe('PluginManager memory', () => {
  let ws: Workspace;
  let manager: PluginManager;

  beforeEach(async () => {
    ws = await Workspace.create();
    pluginEvents();
    await ws.plugin('alpha', recordingPlugin('alpha', 'a1'), 'v1');
    // leakGracePeriod 0: every freed version not yet collected is reported.
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0, leakGracePeriod: 0 });
    assert.ok((await manager.load()).ok);
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  async function reloadAndFree(tag: string): Promise<void> {
    await ws.plugin('alpha', recordingPlugin('alpha', tag), tag);
    const freed = once(manager, 'freed');
    assert.ok((await manager.reload()).ok);
    await freed;
  }

  it('lets a freed generation be garbage-collected', async () => {
    // Use v1 the way a server would before the reload: calls, find(), a pin.
    assert.equal(manager.invoke('alpha', 'version'), 'a1');
    assert.equal(manager.find('alpha').functions.version?.(), 'a1');
    await manager.pin(() => manager.invoke('alpha', 'version'));
    await reloadAndFree('a2');
    assert.equal(manager.status().leaks.length, 1, 'just freed, not collected yet');
    const collected = await collectUntil(() => manager.status().leaks.length === 0);
    assert.ok(collected, `still referenced: ${manager.status().leaks.map((l) => l.message).join('; ')}`);
  });

  it('reports a freed version that the host still references', async () => {
    const kept = manager.find('alpha').functions.version; // a host keeping a plugin function: a leak
    await reloadAndFree('a2');
    await collectUntil(() => manager.status().leaks.length === 0, 5);
    const leaks = manager.status().leaks;
    assert.equal(leaks.length, 1);
    assert.match(leaks[0]?.message ?? '', /plugin alpha version v1 is still referenced/);
    assert.equal(kept?.(), 'a1');
  });

  it('stops the interval and process listener a version left running without onFree, and lets it be collected', async () => {
    const listenersBefore = process.listenerCount('SIGUSR2');
    const prelude = [
      'const ticks = ((globalThis as { __ticks?: number[] }).__ticks ??= [0]);',
      'setInterval(() => { ticks[0] = (ticks[0] ?? 0) + 1; }, 1);',
      "process.on('SIGUSR2', () => {});",
    ].join('\n');
    await ws.plugin('alpha', pluginSource('functions: { version: () => "busy" },', prelude), 'busy');
    assert.ok((await manager.reload()).ok);
    assert.equal(process.listenerCount('SIGUSR2'), listenersBefore + 1);
    await reloadAndFree('a3');
    assert.equal(process.listenerCount('SIGUSR2'), listenersBefore, 'its process listener removed');
    const ticks = (globalThis as { __ticks?: number[] }).__ticks ?? [];
    const stoppedAt = ticks[0];
    const collected = await collectUntil(() => manager.status().leaks.length === 0);
    assert.ok(collected, `still referenced: ${manager.status().leaks.map((l) => l.message).join('; ')}`);
    assert.equal(ticks[0], stoppedAt, 'its interval no longer runs');
  });

  it('reports a freed version kept alive by what its scope cannot reach: a timer made through globalThis', async () => {
    await ws.plugin('alpha', pluginSource('functions: { version: () => "leaky" },', 'globalThis.setInterval(() => {}, 60_000).unref();'), 'leaky');
    assert.ok((await manager.reload()).ok);
    await reloadAndFree('a3');
    await collectUntil(() => false, 5);
    const leaks = manager.status().leaks;
    assert.deepEqual(leaks.map((l) => l.version), ['leaky']);
    assert.match(leaks[0]?.message ?? '', /its timers and process listeners were stopped when it was freed, so something else keeps its code alive \(.*a timer made through globalThis/);
  });
});
