/**
 * The live function a job names. When the job fires, the host calls the function of this NAME in
 * the generation current then: if a reload happened since the job was scheduled, that is the new
 * version's function, and the old version's code is not kept alive by the pending job.
 */
import { live } from 'hotswap/plugin';
import { currentVault, state } from '../state.js';
import { Live_Task } from './task.js';

export function live_runTask(data: unknown): void {
  const task = live.unwrap(data, Live_Task);
  currentVault().extension.report({
    task: task.id,
    ranBy: state.version,
    scheduledBy: task.scheduledBy,
    fields: Object.keys(task),
    output: `${state.version} ran task #${task.id} "${task.text}"`,
  });
}
