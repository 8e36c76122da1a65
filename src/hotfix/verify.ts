/**
 * Verification after LiveEdit reported `Ok`: a patch never reports success while a function it
 * changes still runs its old code.
 *
 * What LiveEdit does when it fails silently (measured on Node 20 and 24, see
 * ../../../shared/probes/liveedit): the script's source is the new one, yet the existing function
 * object keeps its old compiled function, which stays attached to a copy of the old script that V8
 * made during the edit and never reports (no `scriptParsed`). Such a function's `toString()` is
 * still its old text, and its `[[FunctionLocation]]` names that unreported copy. A function LiveEdit
 * did replace returns its new text and is located in the patched script.
 *
 * So, per thread: (1) `Debugger.getScriptSource` must return the patched source; (2) a heap walk
 * (`Runtime.queryObjects` on `Function.prototype`, which also finds async functions, generators,
 * classes, methods, getters and setters, and every closure instance) keeps the live functions whose
 * `toString()` is the old text of a function the edit changed (or of one an earlier patch of the
 * same script changed, see ledger.ts), and each of those must be located in current code: a script
 * the thread reports that is not one of LiveEdit's copies (another file with an identical function,
 * or the patched script itself). One located elsewhere still runs replaced code.
 *
 * What it proves: no function object in the thread's main context whose own code the edit changed
 * (function-texts.ts says what a function's own code is) is still attached to a copy of an old
 * source. It rests on what was measured: a function LiveEdit left behind keeps its old text and
 * its location in the copy (the probe's two silent failures, and on Node 24 a changed class field
 * initializer, are all caught this way), and a function located in the current script runs that
 * script's code. What it does not see: functions of other `vm` contexts; a function hidden by an
 * app that replaced `Function.prototype.toString`; code with no function object yet (it will be
 * created by its enclosing function, itself checked); and whether the new code does what the patch
 * author meant. It costs the thread a pause like `setScriptSource` does, often longer: the walk
 * runs full garbage collections first (measured: about 60 ms on a small heap, 2.5 s on a 220 MB heap
 * of small objects where `setScriptSource` took 1 s).
 *
 * The same heap walk serves the repair of closure-repair.ts, done first. The steps are a generator
 * of protocol commands (steps.ts) so that one description runs synchronously on the engine's own
 * thread (inside the same uninterrupted stretch as the edit) and asynchronously on a worker.
 */
import type { Change } from './change.js';
import { repairOnWalk, walkFunctions } from './closure-repair.js';
import type { Steps } from './steps.js';
import type { DebugThread } from './threads.js';

export interface VerifyFailure {
  readonly change: Change;
  readonly functionName: string;
  readonly detail: string;
}

interface RemoteObject {
  objectId?: string;
  description?: string;
}

interface PropertyDescriptor {
  name: string;
  value?: RemoteObject & { value?: unknown };
}

const GROUP = 'hotswap-hotfix-verify';

// Runs in the inspected thread: the functions whose staleKey (function-texts.ts) is wanted.
const KEY_OF = `function keyOf(fn) {
    const text = Function.prototype.toString.call(fn);
    const isClass = text.startsWith('class') && Object.prototype.hasOwnProperty.call(fn, 'prototype');
    return (isClass ? 'c' : 'f') + text;
  }`;

const FILTER = `function (keys) {
  ${KEY_OF}
  const wanted = new Set(keys);
  const found = [];
  for (let i = 0; i < this.length; i++) {
    let key;
    try { key = keyOf(this[i]); } catch { continue; }
    if (wanted.has(key)) found.push(this[i]);
  }
  return found;
}`;

const KEY_OF_THIS = `function () {
  ${KEY_OF}
  return keyOf(this);
}`;

export function* verifySteps(thread: DebugThread, changes: readonly Change[]): Steps<VerifyFailure | undefined> {
  const owners = new Map<string, Change>();
  for (const change of changes) for (const key of change.stale.keys()) owners.set(key, change);
  try {
    const all = yield* walkFunctions(GROUP);
    // First, before anything else can run on a worker: see closure-repair.ts.
    yield* repairOnWalk(all, changes.map((change) => change.scriptId), GROUP);
    for (const change of changes) {
      const { scriptSource } = (yield { method: 'Debugger.getScriptSource', params: { scriptId: change.scriptId } }) as { scriptSource: string };
      if (scriptSource !== change.to) {
        return { change, functionName: '(script)', detail: `the ${thread.label} script ${change.scriptId} does not have the new source` };
      }
    }
    if (owners.size === 0) return undefined;
    const filtered = (yield {
      method: 'Runtime.callFunctionOn',
      params: { objectId: all, functionDeclaration: FILTER, arguments: [{ value: [...owners.keys()] }], objectGroup: GROUP, silent: true },
    }) as { result: RemoteObject; exceptionDetails?: { text?: string } };
    if (filtered.exceptionDetails !== undefined || filtered.result.objectId === undefined) {
      throw new Error(`the heap walk's filter failed: ${filtered.exceptionDetails?.text ?? 'no result'}`);
    }
    const listed = (yield { method: 'Runtime.getProperties', params: { objectId: filtered.result.objectId, ownProperties: true } }) as { result: PropertyDescriptor[] };
    for (const entry of listed.result) {
      if (!/^\d+$/.test(entry.name) || entry.value?.objectId === undefined) continue;
      const fn = (yield { method: 'Runtime.getProperties', params: { objectId: entry.value.objectId, ownProperties: true } }) as { internalProperties?: PropertyDescriptor[] };
      const location = fn.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value as { scriptId?: string } | undefined;
      if (location?.scriptId === undefined || thread.registry.isCurrent(location.scriptId)) continue;
      const key = (yield { method: 'Runtime.callFunctionOn', params: { objectId: entry.value.objectId, functionDeclaration: KEY_OF_THIS, returnByValue: true, silent: true } }) as { result: { value?: unknown } };
      const change = typeof key.result.value === 'string' ? owners.get(key.result.value) : undefined;
      const owner = change ?? changes[0];
      if (owner === undefined) continue;
      return {
        change: owner,
        functionName: change?.stale.get(key.result.value as string) ?? '(function)',
        detail: `in the ${thread.label}, a live instance still has its old text and is attached to a copy of the old script (LiveEdit left it unchanged)`,
      };
    }
    return undefined;
  } finally {
    yield { method: 'Runtime.releaseObjectGroup', params: { objectGroup: GROUP } };
  }
}
