/**
 * The redirection backend's part of an apply: for each file that hotswap's loader instrumented in
 * this thread, the base check, the plan (with redirection's own limits) and the new functions
 * compiled; then, in one synchronous step, every slot filled. Nothing the app runs can see some
 * slots of a patch filled and others not, and an undo puts back exactly what was there.
 */
import { HotfixBaseMismatchError, HotfixRedirectError, HotfixRefusedError, describe, isHotswapError } from '../../errors.js';
import type { PlanFile } from '../prepare.js';
import { patchFilePaths } from '../registry.js';
import { sha256 } from '../source.js';
import type { AppliedFunction, HotfixFailure, Patch, PatchFile, Refusal } from '../types.js';
import { compileUnits, type CompiledFunction } from './compile.js';
import { installedRuntime, type RedirectModule } from './runtime.js';
import { advance, initialState, isTypeScriptPath, type ModuleState } from './state.js';

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

const fail = (error: HotfixFailure['error'], file?: string, fn?: string): HotfixFailure => ({ ok: false, error, file, function: fn });

function reasons(refusals: readonly Refusal[]): string[] {
  return refusals.map((r) => {
    const where = r.location === undefined ? '' : ` (line ${r.location.line}:${r.location.column})`;
    return r.name === undefined ? `${r.reason}${where}` : `${r.name}${where}: ${r.reason}`;
  });
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

async function stateOf(module: RedirectModule): Promise<ModuleState> {
  if (module.state === undefined) module.state = await initialState(module);
  return module.state as ModuleState;
}

/** Plans and compiles one file; assigns nothing. */
export async function prepareRedirect(patch: Patch, patchFile: PatchFile, module: RedirectModule, planFile: PlanFile): Promise<RedirectChange | HotfixFailure> {
  const file = patchFile.file;
  if (module.problem !== undefined || module.loaded === undefined) {
    return fail(new HotfixRedirectError(file, module.problem ?? 'its loaded source is unknown'), file);
  }
  let state: ModuleState;
  let newSource = patchFile.source;
  const typeScript = isTypeScriptPath(module.path);
  try {
    state = await stateOf(module);
    if (typeScript) {
      const { transformTypeScript } = await import('../../typescript/transform.js');
      newSource = transformTypeScript(patchFile.source, module.path).code;
    }
  } catch (error) {
    return fail(new HotfixRedirectError(file, describe(error), error), file);
  }
  // As with LiveEdit: a .ts file's base is the .ts source it was loaded from; a .js file's is the
  // code as it runs now (patched by earlier patches, if any).
  const actual = typeScript ? sha256(module.loaded) : sha256(state.running);
  if (actual !== patchFile.baseHash.toLowerCase()) return fail(new HotfixBaseMismatchError(`${file} (redirected)`, patchFile.baseHash, actual), file);

  let plan;
  try {
    plan = planFile({
      file: module.path,
      runningSource: state.running,
      newSource,
      sourceType: module.sourceType,
      backend: 'redirect',
      ...(patch.scope === undefined ? {} : { scope: patch.scope }),
    });
  } catch (error) {
    if (isHotswapError(error)) return fail(error, file);
    return fail(new HotfixRefusedError(file, [`the planner failed: ${describe(error)}`]), file);
  }
  if (plan.refusals.length > 0 || plan.patchedSource === undefined) {
    const list = plan.refusals.length > 0 ? reasons(plan.refusals) : ['the planner produced no source'];
    return fail(new HotfixRefusedError(file, list), file, plan.refusals[0]?.name);
  }
  if (plan.edits.length === 0) return fail(new HotfixRefusedError(file, ['no function in scope differs from the running code: nothing to apply']), file);
  const compiled = compileUnits(module, state, plan, newSource, module.sourceType, patch.version);
  if (!compiled.ok) {
    if ('error' in compiled) return fail(compiled.error, file);
    return fail(new HotfixRefusedError(file, reasons(compiled.refusals)), file, compiled.refusals[0]?.name);
  }
  return {
    file,
    module,
    functions: compiled.functions,
    before: state,
    after: advance(state, plan.patchedSource, plan.edits, patch.version),
    applied: plan.functions.map((fn) => ({ file, name: fn.name, backend: 'redirect' as const })),
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
