/**
 * Calls across reloads: in-flight calls finish on the generation they started in, pins keep a
 * whole request on one generation, concurrent reloads are serialised and coalesced.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import type { ReloadEndMessage, ReloadOutcome } from '../../../src/index.js';
import { recordingPlugin } from '../../helpers/plugin-source.js';
import { deferred, pluginEvents, recordingLogger, Workspace } from '../../helpers/workspace.js';

describe('PluginManager calls across reloads', () => {
  let ws: Workspace;
  let events: string[];
  let manager: PluginManager;
  const logger = recordingLogger();

  beforeEach(async () => {
    ws = await Workspace.create();
    events = pluginEvents();
    logger.lines.length = 0;
    await ws.write('alpha', recordingPlugin('alpha', 'a1'));
    await ws.write('beta', recordingPlugin('beta', 'b1'));
    await ws.build(['alpha', 'beta'], 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0, logger });
    assert.ok((await manager.load()).ok);
    events.length = 0;
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  async function reloadAlphaTo(tag: string): Promise<ReloadOutcome> {
    await ws.plugin('alpha', recordingPlugin('alpha', tag), tag);
    return manager.reload();
  }

  it('lets a call in flight finish on v1 while new calls get v2; v1 is freed only after it settles', async () => {
    const gate = deferred();
    const inFlight = manager.invoke<Promise<string>>('alpha', 'wait', gate.promise);
    const freed = once(manager, 'freed');
    assert.ok((await reloadAlphaTo('a2')).ok);
    assert.equal(manager.invoke('alpha', 'version'), 'a2');
    const status = manager.status();
    assert.equal(status.retired.length, 1);
    assert.equal(status.retired[0]?.inFlight, 1);
    assert.ok(!events.includes('onFree alpha@a1'), 'not freed while a call is in flight');
    gate.resolve();
    assert.equal(await inFlight, 'a1');
    const [info] = (await freed) as [{ id: number; plugins: { version: string }[] }];
    assert.equal(info.plugins[0]?.version, 'v1');
    assert.ok(events.includes('onFree alpha@a1'));
    assert.equal(manager.status().retired.length, 0);
  });

  it('counts a rejected call as settled too', async () => {
    const gate = deferred();
    const inFlight = manager.invoke<Promise<string>>('alpha', 'wait', gate.promise);
    const freed = once(manager, 'freed');
    assert.ok((await reloadAlphaTo('a2')).ok);
    gate.reject(new Error('request failed'));
    await assert.rejects(inFlight, /request failed/);
    await freed;
  });

  it('status().calls counts every call and the ones that threw or rejected, across generations', async () => {
    assert.deepEqual(manager.status().calls, { total: 0, failed: 0 });
    manager.invoke('alpha', 'version');
    const rejected = deferred();
    const failing = manager.invoke<Promise<string>>('alpha', 'wait', rejected.promise);
    rejected.reject(new Error('request failed'));
    await assert.rejects(failing, /request failed/);
    assert.throws(() => manager.invoke('alpha', 'wait', undefined), TypeError, 'a synchronous throw');
    assert.ok((await reloadAlphaTo('a2')).ok);
    manager.find('alpha').functions.version?.();
    await manager.invokeEach('version');
    assert.deepEqual(manager.status().calls, { total: 6, failed: 2 });
  });

  it('find() returns functions bound to one generation and counted in flight', async () => {
    const v1 = manager.find('alpha');
    assert.equal(v1.version, 'v1');
    const gate = deferred();
    const inFlight = v1.functions.wait?.(gate.promise as never) as Promise<string>;
    assert.ok((await reloadAlphaTo('a2')).ok);
    assert.equal(manager.find('alpha').functions.version?.(), 'a2');
    assert.equal(manager.status().retired[0]?.inFlight, 1);
    gate.resolve();
    assert.equal(await inFlight, 'a1');
  });

  it('pins a whole request to the generation current when it began', async () => {
    const reloaded = deferred();
    const request = manager.pin(async () => {
      const before = manager.invoke('alpha', 'version');
      await reloaded.promise;
      const after = manager.invoke('alpha', 'version');
      const nested = await manager.pin(() => manager.invoke('alpha', 'version'));
      return [before, after, nested];
    });
    assert.ok((await reloadAlphaTo('a2')).ok);
    assert.equal(manager.invoke('alpha', 'version'), 'a2', 'outside the pin: the new generation');
    assert.equal(manager.status().retired[0]?.inFlight, 1, 'the pin holds the old generation');
    const freed = once(manager, 'freed');
    reloaded.resolve();
    assert.deepEqual(await request, ['a1', 'a1', 'a1']);
    await freed;
  });

  it('stops pinning once the pinned callback settled, even for async work it started', async () => {
    let later: (() => unknown) | undefined;
    await manager.pin(() => {
      later = () => manager.invoke('alpha', 'version');
    });
    assert.ok((await reloadAlphaTo('a2')).ok);
    assert.equal(later?.(), 'a2');
  });

  it('runs one reload at a time: calls during a reload queue one more, later ones join it', async () => {
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'a2');
    const first = manager.reload('first');
    const second = manager.reload('second');
    const third = manager.reload('third');
    const [o1, o2, o3] = await Promise.all([first, second, third]);
    assert.ok(o1.ok && o2.ok && o3.ok);
    assert.equal(o2, o3, 'the third call joined the queued one');
    assert.equal(o1.changed, true);
    assert.equal(o2.changed, false);
    assert.equal(o2.generation, o1.generation, 'the queued reload found nothing changed: the generation stays');
    assert.deepEqual(o2.details.map((d) => d.status), ['unchanged', 'unchanged']);
    assert.equal(manager.status().reloadCount, 1);
    // onLoad of a2 saw the first call's data only: the queued reload found nothing changed.
    assert.deepEqual(events.filter((e) => e.startsWith('onLoad')), ['onLoad alpha@a2 "first"']);
  });

  it('frees onFree once per instance, in reverse load order, and the rest on close()', async () => {
    await ws.write('alpha', recordingPlugin('alpha', 'a2'));
    await ws.write('beta', recordingPlugin('beta', 'b2'));
    await ws.build(['alpha', 'beta'], 'v2');
    const freed = once(manager, 'freed');
    assert.ok((await manager.reload()).ok);
    await freed;
    assert.deepEqual(events.filter((e) => e.startsWith('onFree')), ['onFree beta@b1', 'onFree alpha@a1']);
    await manager.close();
    assert.deepEqual(events.filter((e) => e.startsWith('onFree')), [
      'onFree beta@b1',
      'onFree alpha@a1',
      'onFree beta@b2',
      'onFree alpha@a2',
    ]);
    await manager.close(); // idempotent: nothing freed twice
    assert.equal(events.filter((e) => e.startsWith('onFree')).length, 4);
  });

  it('frees a generation that never drains once drainTimeout has passed, with a warning', async (t) => {
    // The drain deadline does not keep a process alive by itself; a server's socket would.
    const keepAlive = setInterval(() => {}, 1000);
    t.after(() => clearInterval(keepAlive));
    const short = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0, drainTimeout: 50, logger });
    assert.ok((await short.load()).ok);
    const stuck = short.invoke<Promise<string>>('alpha', 'wait', new Promise(() => {}));
    void stuck;
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'a2');
    const freed = once(short, 'freed');
    assert.ok((await short.reload()).ok);
    await freed;
    assert.ok(logger.lines.some((l) => /warn: generation \d+ still has 1 call\(s\) in flight after drainTimeout/.test(l)));
    await short.close();
  });

  it('keeps a replaced generation until freeDelay has passed, even when drained', async () => {
    const delayed = new PluginManager({ pluginDir: ws.outDir, freeDelay: 30, logger });
    assert.ok((await delayed.load()).ok);
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'a2');
    const freed = once(delayed, 'freed');
    assert.ok((await delayed.reload()).ok);
    assert.equal(delayed.status().retired.length, 1, 'drained, but the free delay has not passed');
    await freed;
    assert.equal(delayed.status().retired.length, 0);
    await delayed.close();
  });

  it('reloads on a signal', { skip: process.platform === 'win32' && 'no POSIX signals on Windows' }, async (t) => {
    // A signal listener does not keep a process alive; a server's socket would.
    const keepAlive = setInterval(() => {}, 1000);
    t.after(() => clearInterval(keepAlive));
    // Not SIGUSR2: Node 24's test runner starts test processes with a diagnostic report on SIGUSR2.
    const signal = 'SIGWINCH';
    const listenersBefore = process.listenerCount(signal);
    const stop = manager.reloadOnSignal(signal, 'by signal');
    await ws.plugin('alpha', recordingPlugin('alpha', 'a2'), 'a2');
    const reloaded = once(manager, 'reload');
    process.kill(process.pid, signal);
    const [outcome] = (await reloaded) as [ReloadOutcome];
    assert.ok(outcome.ok);
    assert.equal(manager.invoke('alpha', 'version'), 'a2');
    assert.ok(events.includes('onLoad alpha@a2 "by signal"'));
    stop();
    assert.equal(process.listenerCount(signal), listenersBefore);
  });

  it('publishes reload start and end on diagnostics_channel', async () => {
    const seen: string[] = [];
    const onStart = (message: unknown): void => void seen.push(`start ${(message as { kind: string }).kind}`);
    const onEnd = (message: unknown): void => void seen.push(`end ${(message as ReloadEndMessage).outcome.ok}`);
    subscribe('hotswap:reload:start', onStart);
    subscribe('hotswap:reload:end', onEnd);
    try {
      assert.ok((await reloadAlphaTo('a2')).ok);
    } finally {
      unsubscribe('hotswap:reload:start', onStart);
      unsubscribe('hotswap:reload:end', onEnd);
    }
    assert.deepEqual(seen, ['start reload', 'end true']);
  });
});
