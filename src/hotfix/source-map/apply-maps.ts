/**
 * Keeping stack traces right after a LiveEdit apply: Node's cached source maps of the patched
 * scripts re-pointed at the new text, in the engine's thread and in workers. A failure only costs
 * shifted lines in stack traces, so it is logged, never an apply's failure.
 */
import { describe } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { DebugThread } from '../threads.js';
import { retargetInWorker } from './in-worker.js';
import { retargetSourceMap, type RetargetInput } from './retarget.js';

/** Points Node's cached source maps of the patched scripts at the new text; returns the undos. */
export function retargetSourceMaps(inputs: readonly RetargetInput[], logger: Logger): Array<() => void> {
  const restores: Array<() => void> = [];
  for (const input of inputs) {
    try {
      const restore = retargetSourceMap(input);
      if (restore !== undefined) restores.push(restore);
      if (restore !== undefined && input.nextMap === undefined) {
        logger.warn(`hotfix: the patch of ${input.file} carries no source map: stack frames in its patched functions show JavaScript positions`);
      }
    } catch (error) {
      logger.warn(`hotfix: stack traces of ${input.file} may show shifted lines: its source map could not be updated (${describe(error)})`);
    }
  }
  return restores;
}

/** Re-points a worker's cached source map of a patched script, recording the undo's token in `into`. */
export async function retargetWorkerMap(
  thread: DebugThread,
  input: RetargetInput,
  version: string,
  into: Array<{ readonly threadKey: string; readonly token: string }>,
  logger: Logger,
): Promise<void> {
  const token = `${version}\u0000${input.file}`;
  try {
    if (await retargetInWorker(thread, input, token)) into.push({ threadKey: thread.key, token });
  } catch (error) {
    logger.warn(`hotfix: stack traces of ${input.file} in ${thread.label} may show shifted lines: its source map could not be updated (${describe(error)})`);
  }
}
