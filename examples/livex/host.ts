/**
 * The livex host: a job queue whose jobs outlive the plugin version that scheduled them.
 *
 *   node dist/examples/livex/host.js --plugins <dir built by `hotswap build`> [--pid-file f] [--free-delay ms]
 *
 * Commands on stdin: `schedule <count> <delayMs> <text...>` (the queue plugin schedules live jobs),
 * `pending`, `reload`, `status`. When a job runs it reports through the extension, and the host
 * prints it as {"event":"job","task":2,"ranBy":"v2","scheduledBy":"v1","fields":[...],"output":...}.
 * Each `reload` event carries `pending`: the jobs still waiting right after the swap.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PluginManager } from 'hotswap';
import { emit, serve } from '../shared/host-io.js';
import type { JobDesk } from './reports.js';

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: 'examples/livex/build' },
    'pid-file': { type: 'string' },
    'free-delay': { type: 'string' },
  },
});
const freeDelay = values['free-delay'] === undefined ? undefined : Number(values['free-delay']);

const manager = new PluginManager<JobDesk>({
  pluginDir: resolve(values.plugins),
  // A host function in the extension: the report is plain data, so it keeps no plugin code alive.
  extension: () => ({ report: (report) => emit('job', { ...report }) }),
  ...(freeDelay === undefined ? {} : { freeDelay }),
});

async function answer(words: readonly string[]): Promise<Record<string, unknown>> {
  const [command, count = '1', delayMs = '1000', ...text] = words;
  if (command === 'pending') return { pending: manager.jobs.pending };
  if (command !== 'schedule') throw new Error(`unknown command "${command ?? ''}": try schedule <count> <delayMs> <text...>, pending, reload, status`);
  const ids = await manager.invoke<number[] | Promise<number[]>>('queue', 'schedule', Number(count), Number(delayMs), text.join(' ') || 'task');
  return { scheduled: ids, by: `queue ${manager.find('queue').version}`, pending: manager.jobs.pending };
}

await serve({
  manager,
  pidFile: values['pid-file'],
  handle: (words) => manager.pin(() => answer(words)),
  reloadFields: () => ({ pending: manager.jobs.pending }),
});
