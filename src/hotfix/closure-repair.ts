/**
 * A repair after every LiveEdit, for a V8 bug that crashes the process on Node 24 (V8 13, with
 * "leap tiering") and Node 26 (V8 14.6); Node 20 and 22 are not affected, Node 25 is.
 *
 * The bug, reproduced with nothing but `Debugger.setScriptSource`: closures made at one place in
 * the code share one "dispatch handle" (their code entry). LiveEdit gives every function instance
 * of an *unchanged* function of the edited script the shared "many closures" feedback cell, and a
 * fresh feedback vector only to instances already compiled; unlike for changed functions, it does
 * not give them a dispatch handle of their own. So when two or more instances of a function that
 * was never called before the edit exist (`make(1)`, `make(2)` of `function make(k) { return () => k }`,
 * or the getters esbuild emits for a CommonJS module's exports), calling the first compiles the
 * shared code entry and calling the second enters that code with no feedback cell: a segmentation
 * fault. Instances compiled before the edit are safe, so is a function the edit changed.
 *
 * The repair: right after the edit, before any JavaScript of the app runs (in the same synchronous
 * stretch on the engine's own thread), every function object of the edited scripts is compiled and
 * given its feedback vector, which gives each its own feedback cell. It needs V8's internal
 * `%FunctionGetScriptId` and `%EnsureFeedbackVectorForFunction`, so the repair function is compiled
 * with V8's `--allow-natives-syntax` switched on for that moment only (it is a parser flag, shared
 * by all threads of the process: code that any thread compiles meanwhile may use `%` calls, which
 * valid JavaScript never contains). It compiles functions; it runs none.
 */
import { setFlagsFromString } from 'node:v8';
import type { Command, Steps } from './steps.js';

/** Runs in the inspected thread, `this` being the heap walk's array of functions. */
const REPAIR = `function (scriptIds) {
  const ids = new Set(scriptIds);
  let repaired = 0;
  for (let i = 0; i < this.length; i++) {
    const fn = this[i];
    if (typeof fn !== 'function' || !ids.has(%FunctionGetScriptId(fn))) continue;
    %EnsureFeedbackVectorForFunction(fn);
    repaired++;
  }
  return repaired;
}`;

let nativesOnAtStart: boolean | undefined;
/** Repairs under way that need the flag on (several workers are repaired at once). */
let holders = 0;

function nativesSyntaxOn(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a parse test, never called
    new Function('%FunctionGetScriptId(function () {})');
    return true;
  } catch {
    return false;
  }
}

/**
 * Switches V8's natives syntax on, unless the process was started with it; returns the undo. The
 * flag goes off when the last holder lets go: a worker may compile the repair function after
 * another worker's repair has finished.
 */
export function allowNativesSyntax(): () => void {
  nativesOnAtStart ??= nativesSyntaxOn();
  if (nativesOnAtStart) return () => undefined;
  if (holders++ === 0) setFlagsFromString('--allow-natives-syntax');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) setFlagsFromString('--no-allow-natives-syntax');
  };
}

/**
 * The repair, as protocol commands on the result of a heap walk that is already there.
 * @param functionsObjectId the array `Runtime.queryObjects` gave for `Function.prototype`
 * @param scriptIds the scripts just edited
 */
export function* repairOnWalk(functionsObjectId: string, scriptIds: readonly string[], objectGroup: string): Steps<void> {
  const restore = allowNativesSyntax();
  let answer: { exceptionDetails?: { text?: string; exception?: { description?: string } } };
  try {
    answer = (yield {
      method: 'Runtime.callFunctionOn',
      params: { objectId: functionsObjectId, functionDeclaration: REPAIR, arguments: [{ value: scriptIds.map(Number) }], objectGroup, silent: true, returnByValue: true },
    }) as typeof answer;
  } finally {
    restore();
  }
  if (answer.exceptionDetails !== undefined) {
    const details = answer.exceptionDetails;
    throw new Error(`the repair after LiveEdit failed: ${details.exception?.description ?? details.text ?? 'exception'}`);
  }
}

/** Function.prototype, then a heap walk for every object inheriting from it. */
export function* walkFunctions(objectGroup: string): Steps<string> {
  const proto = (yield { method: 'Runtime.evaluate', params: { expression: 'Function.prototype', objectGroup, silent: true } }) as { result: { objectId?: string } };
  if (proto.result.objectId === undefined) throw new Error('Function.prototype cannot be inspected');
  const all = (yield { method: 'Runtime.queryObjects', params: { prototypeObjectId: proto.result.objectId, objectGroup } }) as { objects: { objectId?: string } };
  if (all.objects.objectId === undefined) throw new Error('the heap walk returned nothing');
  return all.objects.objectId;
}

const GROUP = 'hotswap-hotfix-repair';

/** A heap walk of its own and the repair: after an edit that no verification follows (an undo). */
export function* repairSteps(scriptIds: readonly string[]): Steps<void> {
  if (scriptIds.length === 0) return;
  try {
    const functions = yield* walkFunctions(GROUP);
    yield* repairOnWalk(functions, scriptIds, GROUP);
  } finally {
    yield { method: 'Runtime.releaseObjectGroup', params: { objectGroup: GROUP } } satisfies Command;
  }
}
