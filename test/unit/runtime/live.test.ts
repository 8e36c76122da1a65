/**
 * Live functions and types through real builds: collected into the vault, jobs scheduled by v1
 * run v2's code after a reload, and a pending job does not keep v1 alive.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager, type LiveJobsOrphanedError } from '../../../src/index.js';
import { failed, ok } from '../../helpers/outcomes.js';
import { collectUntil, pluginEvents, recordingLogger, Workspace } from '../../helpers/workspace.js';


/**
 * A reminders plugin: a live type and a live function (`fn`) in a sub-module; `remind` schedules a
 * job naming it.
 */
function reminders(tag: string, fields: string, fn = 'live_deliver'): Record<string, string> {
  return {
    'index.ts': `
      import { definePlugin, live, type Vault } from 'hotswap/plugin';
      import { Live_Reminder } from './model/reminder.js';
      let vault: Vault | undefined;
      export default definePlugin({
        onVault(v) { vault = v; },
        functions: {
          remind(text: string, delayMs: number) {
            const reminder = Object.assign(new Live_Reminder(), { text });
            return vault?.jobs.schedule('${fn}', live.wrap(reminder), { delayMs });
          },
        },
      });
    `,
    'model/reminder.ts': `export class Live_Reminder { ${fields} }\n`,
    'jobs/deliver.ts': `
      import { live } from 'hotswap/plugin';
      import { Live_Reminder } from '../model/reminder.js';
      export function ${fn}(data: unknown): void {
        const reminder = live.unwrap(data, Live_Reminder);
        const event = '${tag} delivers ' + JSON.stringify(reminder);
        ((globalThis as { __events?: string[] }).__events ??= []).push(event);
        (globalThis as { __delivered?: (event: string) => void }).__delivered?.(event);
      }
    `,
  };
}

describe('live functions and jobs', () => {
  let ws: Workspace;
  let events: string[];
  let manager: PluginManager;

  beforeEach(async () => {
    ws = await Workspace.create();
    events = pluginEvents();
    const manifest = await ws.plugin('reminders', reminders('v1', "text = ''; urgent = false;"), 'v1');
    assert.deepEqual(manifest.live, { prefix: 'live_', functions: ['live_deliver'], types: ['Live_Reminder'] });
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0, leakGracePeriod: 0, logger: recordingLogger() });
    ok(await manager.load());
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  it('collects live functions and types of every plugin into the vault', async () => {
    await ws.plugin('other', { 'index.ts': "import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({});\nexport const LIVE_ping = () => 'pong';\n" });
    ok(await manager.reload());
    assert.equal(manager.callLive('LIVE_ping'), 'pong');
    assert.throws(() => manager.callLive('live_missing'), { code: 'HOTSWAP_ERR_LIVE_FUNCTION_NOT_FOUND' });
  });

  it('runs a job scheduled by v1 with v2 code, its data unwrapped into v2 type, after v1 was freed and collected', async () => {
    // A job far enough out that v1 is freed and collected first; the test fires it by waiting for it.
    const delivered = new Promise<string>((resolve) => {
      (globalThis as { __delivered?: (event: string) => void }).__delivered = resolve;
    });
    manager.invoke('reminders', 'remind', 'water the plants', 300);
    assert.equal(manager.jobs.pending, 1);

    await ws.plugin('reminders', reminders('v2', "text = ''; priority = 'normal';"), 'v2');
    const freed = once(manager, 'freed');
    ok(await manager.reload());
    await freed;
    const collected = await collectUntil(() => manager.status().leaks.length === 0);
    assert.ok(collected, 'v1 collected although the job it scheduled is still pending');
    assert.equal(manager.jobs.pending, 1);

    assert.equal(await delivered, 'v2 delivers {"text":"water the plants","priority":"normal"}');
    assert.deepEqual(events, ['v2 delivers {"text":"water the plants","priority":"normal"}']);
  });

  it('reports a job whose live function no plugin exports', async () => {
    const jobError = once(manager, 'jobError');
    manager.jobs.schedule('live_vanished', null, { delayMs: 0 });
    const [error] = (await jobError) as [Error & { code: string }];
    assert.equal(error.code, 'HOTSWAP_ERR_LIVE_FUNCTION_NOT_FOUND');
  });

  it('refuses a reload that would remove a live function pending jobs name; the jobs then run on the old code', async (t) => {
    // v2 renames live_deliver: the jobs v1 scheduled would find no function when they fire.
    await ws.plugin('reminders', reminders('v2', "text = '';", 'live_send'), 'v2');
    // Mocked, so that the jobs fire when the test says, after the reload, and not before.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const first = manager.status().current?.id;
    const id1 = manager.invoke<number>('reminders', 'remind', 'water the plants', 1000);
    const id2 = manager.invoke<number>('reminders', 'remind', 'call mum', 2000);

    const refused = failed(await manager.reload());
    assert.equal(refused.error.code, 'HOTSWAP_ERR_LIVE_JOBS_ORPHANED');
    assert.equal(refused.stage, 'vault');
    assert.equal(refused.plugin, 'reminders');
    assert.match(refused.error.message, /no live function "live_deliver" \(plugin reminders\), and 2 pending live job\(s\) name it \(job ids 1, 2\)/);
    assert.deepEqual((refused.error as LiveJobsOrphanedError).jobs, [
      { id: id1, fn: 'live_deliver' },
      { id: id2, fn: 'live_deliver' },
    ]);
    const status = manager.status();
    assert.equal(status.current?.id, first, 'the current generation keeps serving');
    assert.deepEqual(status.current?.plugins.map((p) => p.version), ['v1']);
    assert.deepEqual(manager.jobs.list(), [
      { id: id1, fn: 'live_deliver' },
      { id: id2, fn: 'live_deliver' },
    ]);

    // Cancelling one is not enough: the other still names live_deliver.
    assert.equal(manager.jobs.cancel(id2), true);
    const still = failed(await manager.reload());
    assert.deepEqual((still.error as LiveJobsOrphanedError).jobs, [{ id: id1, fn: 'live_deliver' }]);

    t.mock.timers.tick(1000);
    assert.deepEqual(events, ['v1 delivers {"text":"water the plants","urgent":false}'], 'the job ran v1 code');
    assert.equal(manager.jobs.pending, 0);

    const accepted = ok(await manager.reload());
    assert.deepEqual(accepted.details.map((d) => `${d.name} ${d.previousVersion ?? ''} -> ${d.version}`), ['reminders v1 -> v2']);
    assert.deepEqual(Object.keys(manager.vault.liveFuncs), ['live_send']);
  });

  it('refuses the reload when a job naming the removed function is scheduled while it runs', async () => {
    let scheduled: number | undefined;
    const vetoing = new PluginManager({
      pluginDir: ws.outDir,
      logger: recordingLogger(),
      // The last step before the swap: the generation serving schedules a job meanwhile.
      onReload: (_next, prev) => {
        if (prev !== undefined && scheduled === undefined) scheduled = vetoing.jobs.schedule('live_deliver', null, { delayMs: 60_000 });
      },
    });
    try {
      ok(await vetoing.load());
      await ws.plugin('reminders', reminders('v2', "text = '';", 'live_send'), 'v2');
      const refused = failed(await vetoing.reload());
      assert.equal(refused.error.code, 'HOTSWAP_ERR_LIVE_JOBS_ORPHANED');
      assert.deepEqual((refused.error as LiveJobsOrphanedError).jobs, [{ id: scheduled, fn: 'live_deliver' }]);
      assert.deepEqual(vetoing.status().current?.plugins.map((p) => p.version), ['v1']);
      assert.ok(vetoing.jobs.cancel(scheduled ?? -1));
      ok(await vetoing.reload());
    } finally {
      await vetoing.close();
    }
  });
});
