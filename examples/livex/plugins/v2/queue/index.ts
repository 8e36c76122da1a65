/**
 * The `queue` plugin, v2. This file is the same as v1's; jobs/ changed: `live_runTask` prints
 * something else and `Live_Task` has a new field and a method. `schedule(count, delayMs, text)`
 * puts tasks in the host's live job scheduler (`vault.jobs`).
 */
import { definePlugin, live } from 'hotswap/plugin';
import type { JobDesk } from '../../../reports.js';
import { Live_Task } from './jobs/task.js';
import { currentVault, state } from './state.js';

let nextId = 1;

export default definePlugin.withTypes<{ extension: JobDesk }>()({
  onLoad(_data, ctx) {
    state.version = ctx.version;
    console.log(`queue ${state.version}: onLoad`);
  },
  // Every generation this version is part of: the live functions report through the newest vault.
  onVault(vault) {
    state.vault = vault;
  },
  // The next version goes on numbering tasks where this one stopped.
  snapshot: () => ({ nextId }),
  restore(saved) {
    nextId = (saved as { nextId: number }).nextId;
  },
  onFree() {
    console.log(`queue ${state.version}: onFree (${currentVault().jobs.pending} job(s) still pending)`);
    state.vault = undefined;
  },
  functions: {
    schedule(count: number, delayMs: number, text: string): number[] {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const task = new Live_Task();
        task.id = nextId++;
        task.text = count === 1 ? text : `${text} ${i + 1}/${count}`;
        task.scheduledBy = state.version;
        // By name, with plain data: nothing of this version's code is captured by the job.
        currentVault().jobs.schedule('live_runTask', live.wrap(task), { delayMs });
        ids.push(task.id);
      }
      return ids;
    },
  },
});
