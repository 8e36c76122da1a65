/**
 * The redirection backend's part of an apply: for each file that hotswap's loader instrumented in
 * this thread, the base check, the plan (with redirection's own limits) and the new functions
 * compiled; then, in one synchronous step, every slot filled. Nothing the app runs can see some
 * slots of a patch filled and others not, and an undo puts back exactly what was there.
 */
import { HotfixBaseMismatchError, HotfixInvalidError, HotfixRedirectError, HotfixRefusedError } from '../../errors.js';
import { failure, refusalReasons } from '../failure.js';
import { patchFilePaths } from '../registry.js';
import type { AppliedFunction, HotfixFailure, Patch, PatchFile } from '../types.js';
import { evaluateUnits, type CompiledFunction } from './compile.js';
import { fromData, toData, type PlanRequest } from './plan.js';
import { planOffThread } from './planner.js';
import { installedRuntime, type RedirectModule } from './runtime.js';
import type { ModuleState } from './state.js';

export interface RedirectChange {
  readonly file: string;
  readonly module: RedirectModule;
  readonly functions: readonly CompiledFunction[];
  readonly before: ModuleState;
  readonly after: ModuleState;
  readonly applied: readonly AppliedFunction[];
}

/** What an undo needs: the values the slots had, and each module's state before. */
export interface RedirectUndo {
  readonly slots: ReadonlyArray<{ readonly module: RedirectModule; readonly slot: number; readonly previous: unknown }>;
  readonly states: ReadonlyArray<{ readonly module: RedirectModule; readonly state: ModuleState }>;
}

/** The instrumented module a patch file names in this thread, if the loader instrumented it. */
export function redirectModuleFor(file: string, root: string): RedirectModule | undefined {
  const runtime = installedRuntime();
  if (runtime === undefined) return undefined;
  for (const path of patchFilePaths(file, root)) {
    const module = runtime.find(path);
    if (module !== undefined) return module;
  }
  return undefined;
}

/**
 * Plans and compiles one file; assigns nothing. The planning runs on the planning thread
 * (planner.ts); this thread compiles the new functions in the module's scope.
 */
export async function prepareRedirect(patch: Patch, patchFile: PatchFile, module: RedirectModule): Promise<RedirectChange | HotfixFailure> {
  const file = patchFile.file;
  if (module.problem !== undefined || module.loaded === undefined) {
    return failure(new HotfixRedirectError(file, module.problem ?? 'its loaded source is unknown'), file);
  }
  const current = module.state as ModuleState | undefined;
  const request: PlanRequest = {
    file,
    path: module.path,
    sourceType: module.sourceType,
    loaded: module.loaded,
    state: current === undefined ? undefined : toData(current),
    version: patch.version,
    baseHash: patchFile.baseHash,
    source: patchFile.source,
    scope: patch.scope,
  };
  const planned = await planOffThread(request);
  if (!planned.ok) {
    switch (planned.failure) {
      case 'base':
        return failure(new HotfixBaseMismatchError(`${file} (redirected)`, planned.expected, planned.actual), file);
      case 'refused':
        return failure(new HotfixRefusedError(file, refusalReasons(planned.refusals)), file, planned.refusals[0]?.name);
      case 'invalid':
        return failure(new HotfixInvalidError(planned.detail), file);
      default:
        return failure(new HotfixRedirectError(file, planned.detail), file);
    }
  }
  // The module may have been patched while this was planned (by a patch of another engine): then
  // this plan is against code that no longer runs.
  if (module.state !== current) return failure(new HotfixRedirectError(file, 'another patch changed it while this one was planned: apply again'), file);
  const compiled = evaluateUnits(module, planned.texts, patch.version);
  if (!compiled.ok) {
    if ('error' in compiled) return failure(compiled.error, file);
    return failure(new HotfixRefusedError(file, refusalReasons(compiled.refusals)), file, compiled.refusals[0]?.name);
  }
  return {
    file,
    module,
    functions: compiled.functions,
    // The state the module holds already, not the planning thread's copy of it: an applied patch
    // keeps its `before` to revert, and a copy each would hold the module's text once per patch.
    before: current ?? fromData(planned.before),
    after: fromData(planned.after),
    applied: planned.functions.map((fn) => ({ file, name: fn.name, backend: 'redirect' as const })),
  };
}

/** Fills every slot of the changes, in one synchronous step. Cannot fail. */
export function commitRedirect(changes: readonly RedirectChange[]): RedirectUndo {
  const slots: Array<RedirectUndo['slots'][number]> = [];
  const states: Array<RedirectUndo['states'][number]> = [];
  for (const change of changes) {
    states.push({ module: change.module, state: change.before });
    for (const fn of change.functions) {
      slots.push({ module: change.module, slot: fn.slot, previous: change.module.slots[fn.slot] });
      change.module.slots[fn.slot] = fn.implementation;
    }
    change.module.state = change.after;
  }
  return { slots, states };
}

/** Puts back what `commitRedirect` replaced, in one synchronous step. */
export function undoRedirect(undo: RedirectUndo): void {
  for (const { module, slot, previous } of [...undo.slots].reverse()) module.slots[slot] = previous;
  for (const { module, state } of [...undo.states].reverse()) module.state = state;
}
