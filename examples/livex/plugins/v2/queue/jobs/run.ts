/**
 * The live function, v2: same name, new output. Jobs scheduled by v1 that fire after the reload
 * run this, with their data unwrapped into v2's Live_Task.
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
    output: `${state.version} ran task ${task.describe()}`,
  });
}
