/**
 * Source maps after a patch in a worker thread. A worker keeps its own source map cache, so the
 * retargeting of retarget.ts has to run in the worker: the engine evaluates there a small function
 * that loads retarget.js (the same module, through `require`, which loads ES modules on Node 20.19+
 * and 24) and keeps the undo in the worker under a token, for a revert to call.
 */
import { fileURLToPath } from 'node:url';
import type { DebugThread } from '../threads.js';
import type { RetargetInput } from './retarget.js';

const RETARGET_MODULE = fileURLToPath(new URL('./retarget.js', import.meta.url));
const UNDO_KEY = 'hotswap.hotfix.sourceMapUndo';

const INSTALL = `function (modulePath, input, token) {
  const { createRequire } = process.getBuiltinModule('node:module');
  const { retargetSourceMap } = createRequire(modulePath)(modulePath);
  const undo = retargetSourceMap(input);
  if (undo === undefined) return false;
  const key = Symbol.for(${JSON.stringify(UNDO_KEY)});
  (globalThis[key] ??= new Map()).set(token, undo);
  return true;
}`;

const RESTORE = `function (token) {
  const undos = globalThis[Symbol.for(${JSON.stringify(UNDO_KEY)})];
  const undo = undos?.get(token);
  if (undo === undefined) return false;
  undos.delete(token);
  undo();
  return true;
}`;

interface EvaluateResult {
  result?: { value?: unknown };
  exceptionDetails?: { text?: string; exception?: { description?: string } };
}

async function evaluate(thread: DebugThread, expression: string): Promise<boolean> {
  const answer = await thread.call<EvaluateResult>('Runtime.evaluate', { expression, returnByValue: true, silent: true });
  if (answer.exceptionDetails !== undefined) {
    throw new Error(answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text ?? 'exception');
  }
  return answer.result?.value === true;
}

/** Re-points the worker's cached map of a patched script; false when it keeps none. */
export function retargetInWorker(thread: DebugThread, input: RetargetInput, token: string): Promise<boolean> {
  return evaluate(thread, `(${INSTALL})(${JSON.stringify(RETARGET_MODULE)}, ${JSON.stringify(input)}, ${JSON.stringify(token)})`);
}

/** Undoes `retargetInWorker` for `token`; false when there was nothing to undo. */
export function restoreInWorker(thread: DebugThread, token: string): Promise<boolean> {
  return evaluate(thread, `(${RESTORE})(${JSON.stringify(token)})`);
}
