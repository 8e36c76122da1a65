/**
 * Live functions and types through real builds: collected into the vault, jobs scheduled by v1
 * run v2's code after a reload, and a pending job does not keep v1 alive.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import { ok } from '../../helpers/outcomes.js';
import { collectUntil, pluginEvents, recordingLogger, Workspace } from '../../helpers/workspace.js';


/** A reminders plugin: a live type and a live function in a sub-module; `remind` schedules a job. */
function reminders(tag: string, fields: string): Record<string, string> {
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
            return vault?.jobs.schedule('live_deliver', live.wrap(reminder), { delayMs });
          },
        },
      });
    `,
    'model/reminder.ts': `export class Live_Reminder { ${fields} }\n`,
    'jobs/deliver.ts': `
      import { live } from 'hotswap/plugin';
      import { Live_Reminder } from '../model/reminder.js';
      export function live_deliver(data: unknown): void {
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
});
