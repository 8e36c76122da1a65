/**
 * A plugin version's resource scope: what it tracks, what disposing it stops, and, through a real
 * manager and real builds, that a version's timers run while it drains and that what its module
 * started is stopped when its load fails.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import { ResourceScope } from '../../../src/runtime/resource-scope.js';
import { pluginSource } from '../../helpers/plugin-source.js';
import { deferred, Workspace } from '../../helpers/workspace.js';

describe('ResourceScope', () => {
  it('stops the timers, immediates and process listeners left when disposed, aborts its signal and runs its cleanups last first', async () => {
    const scope = new ResourceScope('alpha@1');
    const fired: string[] = [];
    const done = deferred();
    scope.setTimeout(() => {
      fired.push('timeout');
      done.resolve();
    }, 0);
    await done.promise;
    const cleared = scope.setTimeout(() => fired.push('cleared'), 0);
    scope.clearTimeout(cleared);
    scope.setTimeout(() => fired.push('left'), 60_000);
    scope.setInterval(() => fired.push('interval'), 60_000);
    scope.setImmediate(() => fired.push('immediate'));
    const before = process.listenerCount('SIGUSR2');
    const listener = (): void => undefined;
    assert.equal(scope.process.on('SIGUSR2', listener).once('SIGUSR2', listener), scope.process, 'chained calls stay in the scope');
    assert.equal(process.listenerCount('SIGUSR2'), before + 2);
    assert.equal(scope.process.pid, process.pid, 'everything else is the real process');
    const order: string[] = [];
    scope.onCleanup(() => order.push('first'));
    scope.onCleanup(() => {
      order.push('second');
      throw new Error('cleanup failed');
    });

    const left = await scope.dispose();
    assert.deepEqual({ ...left, failures: left.failures.length }, { timers: 2, immediates: 1, listeners: ['SIGUSR2', 'SIGUSR2'], cleanups: 2, failures: 1 });
    assert.equal(process.listenerCount('SIGUSR2'), before);
    assert.deepEqual(order, ['second', 'first']);
    assert.equal(scope.signal.aborted, true);
    assert.match(String((scope.signal.reason as Error).message), /plugin alpha@1 was freed/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(fired, ['timeout'], 'nothing left fires after dispose');
    assert.deepEqual(await scope.dispose(), { timers: 0, immediates: 0, listeners: [], cleanups: 0, failures: [] }, 'once');
  });

  it('gives up on a cleanup that does not settle, reporting it, and runs the others', async () => {
    const scope = new ResourceScope('alpha@1');
    const ran: string[] = [];
    scope.onCleanup(() => ran.push('settles'));
    scope.onCleanup(() => new Promise(() => undefined));
    const left = await scope.dispose(20);
    assert.deepEqual(ran, ['settles']);
    assert.match(String((left.failures[0] as Error).message), /a cleanup of alpha@1 did not settle within 20 ms/);
  });

  it('stops at once what is started after it was disposed', async () => {
    const scope = new ResourceScope('alpha@1');
    await scope.dispose();
    const fired: string[] = [];
    scope.setTimeout(() => fired.push('timeout'), 0);
    scope.setImmediate(() => fired.push('immediate'));
    const before = process.listenerCount('SIGUSR2');
    scope.process.on('SIGUSR2', () => undefined);
    assert.equal(process.listenerCount('SIGUSR2'), before);
    const cleaned = deferred();
    scope.onCleanup(() => cleaned.resolve());
    await cleaned.promise;
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.deepEqual(fired, []);
  });
});

describe('resource scopes in a manager', () => {
  let ws: Workspace;
  let manager: PluginManager;

  beforeEach(async () => {
    ws = await Workspace.create();
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  it("lets a version's timer that fires while it drains run, then stops the rest when it is freed", async () => {
    const members = (tag: string): string => `
      onLoad(_data: unknown, ctx: { signal: AbortSignal }) { (globalThis as { __signals?: AbortSignal[] }).__signals = [...((globalThis as { __signals?: AbortSignal[] }).__signals ?? []), ctx.signal]; },
      functions: {
        version: () => '${tag}',
        later: (gate: Promise<unknown>) => gate.then(() => new Promise((resolve) => setTimeout(() => resolve('${tag} timer'), 1))),
      },`;
    await ws.plugin('alpha', pluginSource(members('a1')), 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0 });
    assert.ok((await manager.load()).ok);
    const gate = deferred();
    const inFlight = manager.invoke<Promise<string>>('alpha', 'later', gate.promise);
    await ws.plugin('alpha', pluginSource(members('a2')), 'v2');
    const freed = once(manager, 'freed');
    assert.ok((await manager.reload()).ok);
    assert.equal(manager.status().retired.length, 1, 'v1 drains');
    gate.resolve();
    assert.equal(await inFlight, 'a1 timer', 'the timer v1 started while draining ran');
    await freed;
    const [v1Signal, v2Signal] = (globalThis as { __signals?: AbortSignal[] }).__signals ?? [];
    assert.equal(v1Signal?.aborted, true, "v1's signal aborted when it was freed");
    assert.equal(v2Signal?.aborted, false);
  });

  it('stops what a module started when the version then fails to load', async () => {
    const before = process.listenerCount('SIGUSR2');
    await ws.plugin('alpha', pluginSource("functions: { version: () => 'a1' },"), 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0 });
    assert.ok((await manager.load()).ok);
    await ws.plugin('alpha', pluginSource("functions: { version: () => 'a2' },", "process.on('SIGUSR2', () => {}); setInterval(() => {}, 60_000); throw new Error('broken module');"), 'v2');
    const outcome = await manager.reload();
    assert.equal(outcome.ok, false);
    assert.equal(process.listenerCount('SIGUSR2'), before, 'the failed version left no listener');
    assert.equal(manager.invoke('alpha', 'version'), 'a1');
  });
});
