/**
 * Everything of a redirected apply that needs no access to the running module: the code it runs
 * (rebuilt from the loaded file the first time), the base check, the plan, and the new functions as
 * texts. Pure and plain data in, plain data out, so that it runs on a planning thread (planner.ts)
 * and the module's thread only compiles the texts and fills the slots.
 */
import { sha256 } from '../source.js';
import { planFile } from '../planner/index.js';
import { parseCache } from '../planner/parse-cache.js';
import type { SourceType } from '../planner/parse.js';
import type { FilePlan, Refusal, ScopeSelector } from '../types.js';
import { unitTexts, type UnitTexts } from './compile.js';
import { refusalsInTypeScript } from './typescript-lines.js';
import { advance, codeOfTransform, initialState, isTypeScriptPath, type ModuleState, type SlotInfo } from './state.js';

/** A module state as plain data (maps as entry lists). */
export interface StateData {
  readonly running: string;
  readonly functions: ReadonlyArray<readonly [string, SlotInfo]>;
  readonly replaced: ReadonlyArray<readonly [string, string]>;
}

export interface PlanRequest {
  /** The patch file's name, as the patch gives it (for messages). */
  readonly file: string;
  /** The module's path and kind. */
  readonly path: string;
  readonly sourceType: SourceType;
  /** The file's text as loaded (TypeScript for a .ts file). */
  readonly loaded: string;
  /** What the module runs now; undefined before its first patch (then rebuilt from `loaded`). */
  readonly state: StateData | undefined;
  readonly version: string;
  readonly baseHash: string;
  /** The patch's new text of the file (TypeScript for a .ts file). */
  readonly source: string;
  readonly scope: readonly ScopeSelector[] | undefined;
}

export type PlanResponse =
  | { readonly ok: true; readonly before: StateData; readonly after: StateData; readonly texts: UnitTexts; readonly functions: FilePlan['functions'] }
  | { readonly ok: false; readonly failure: 'base'; readonly expected: string; readonly actual: string }
  | { readonly ok: false; readonly failure: 'refused'; readonly refusals: readonly Refusal[] }
  | { readonly ok: false; readonly failure: 'redirect'; readonly detail: string }
  | { readonly ok: false; readonly failure: 'invalid'; readonly detail: string };

export const toData = (state: ModuleState): StateData => ({ running: state.running, functions: [...state.functions], replaced: [...state.replaced] });

export const fromData = (data: StateData): ModuleState => ({ running: data.running, functions: new Map(data.functions), replaced: new Map(data.replaced) });

/**
 * Parses of the planning thread: a save's new code is the next save's running code, and each plan
 * parses the new code three times over (to plan, to check the result, to compile).
 */
const parse = parseCache({ size: 2, idleMs: 60_000 });

export async function planRedirect(request: PlanRequest): Promise<PlanResponse> {
  const typeScript = isTypeScriptPath(request.path);
  let state: ModuleState;
  let newSource = request.source;
  /** Where the new JavaScript's map is: a TypeScript file's code is planned without it. */
  let mapSource: string | undefined;
  try {
    state = request.state === undefined ? await initialState({ path: request.path, sourceType: request.sourceType, loaded: request.loaded }, parse) : fromData(request.state);
    if (typeScript) {
      const { transformTypeScript } = await import('../../typescript/transform.js');
      mapSource = transformTypeScript(request.source, request.path).code;
      newSource = codeOfTransform(mapSource);
    }
  } catch (error) {
    return { ok: false, failure: 'redirect', detail: error instanceof Error ? error.message : String(error) };
  }
  // As with LiveEdit: a .ts file's base is the .ts source it was loaded from; a .js file's is the
  // code as it runs now (patched by earlier patches, if any).
  const actual = typeScript ? sha256(request.loaded) : sha256(state.running);
  if (actual !== request.baseHash.toLowerCase()) return { ok: false, failure: 'base', expected: request.baseHash, actual };

  let plan: FilePlan;
  try {
    plan = planFile({
      file: request.path,
      runningSource: state.running,
      newSource,
      sourceType: request.sourceType,
      backend: 'redirect',
      parse,
      ...(request.scope === undefined ? {} : { scope: request.scope }),
    });
  } catch (error) {
    // A malformed scope selector.
    return { ok: false, failure: 'invalid', detail: error instanceof Error ? error.message : String(error) };
  }
  if (plan.refusals.length > 0 || plan.patchedSource === undefined) {
    const refusals = mapSource === undefined ? plan.refusals : refusalsInTypeScript(plan.refusals, mapSource);
    return { ok: false, failure: 'refused', refusals: refusals.length > 0 ? refusals : [{ reason: 'the planner produced no source', name: undefined, location: undefined }] };
  }
  if (plan.edits.length === 0) {
    return { ok: false, failure: 'refused', refusals: [{ reason: 'no function in scope differs from the running code: nothing to apply', name: undefined, location: undefined }] };
  }
  const texts = unitTexts(request.path, state, plan, newSource, request.sourceType, { parse, ...(mapSource === undefined ? {} : { mapSource }) });
  if (!texts.ok) return 'error' in texts ? { ok: false, failure: 'redirect', detail: texts.error.message } : { ok: false, failure: 'refused', refusals: texts.refusals };
  return {
    ok: true,
    before: toData(state),
    after: toData(advance(state, plan.patchedSource, plan.edits, request.version)),
    texts: { units: texts.units, helperText: texts.helperText, helperNames: texts.helperNames, helperSourceMapComment: texts.helperSourceMapComment },
    functions: plan.functions,
  };
}
