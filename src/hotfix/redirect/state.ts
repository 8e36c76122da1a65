/**
 * What the engine knows of an instrumented module between patches: the JavaScript the planner
 * compares a patch with (as loaded, then as patched), and which function of it is reached through
 * which slot. After a patch, a replaced function keeps its slot under its new text; the functions
 * nested in it were compiled by the patch and have none (patch the function around them instead).
 */
import { isParsed, parseSource } from '../planner/parse.js';
import type { Parse } from '../planner/parse-cache.js';
import type { SourceEdit } from '../types.js';
import type { RedirectModule } from './runtime.js';
import { buildTable, type TableEntry } from './table.js';

/** What a slot's function is, as its stub was written. */
export type SlotInfo = Omit<TableEntry, 'start' | 'end' | 'node'> & { readonly arrow: boolean };

export interface ModuleState {
  /** The JavaScript the module runs, as the planner sees it (without the instrumentation). */
  readonly running: string;
  /** By `start:end` in `running`: every function the module had when it loaded, or a patch replaced. */
  readonly functions: ReadonlyMap<string, SlotInfo>;
  /** The functions patches replaced, by `start:end` in `running`: what to say of a function inside one. */
  readonly replaced: ReadonlyMap<string, string>;
}

export const rangeKey = (start: number, end: number): string => `${start}:${end}`;

export const isTypeScriptPath = (path: string): boolean => /\.(m?ts|tsx|cts)$/.test(path);

/**
 * A TypeScript file's JavaScript without what its transform appends after the code (the inline
 * source map and the transform marker), which differ with every edit of the .ts file even where
 * its code does not: the planner compares, and caches parses by, the code alone.
 */
export function codeOfTransform(javascript: string): string {
  const at = javascript.lastIndexOf('\n//# sourceMappingURL=');
  return at === -1 ? javascript : javascript.slice(0, at + 1);
}

/** The state of a module as it loaded (its JavaScript rebuilt from the loaded file for TypeScript). */
export async function initialState(module: { readonly path: string; readonly sourceType: RedirectModule['sourceType']; readonly loaded: string }, parse?: Parse): Promise<ModuleState> {
  const loaded = module.loaded;
  let running = loaded;
  if (isTypeScriptPath(module.path)) {
    const { transformTypeScript } = await import('../../typescript/transform.js');
    running = codeOfTransform(transformTypeScript(loaded, module.path).code);
  }
  const parsed = (parse ?? parseSource)(running, module.sourceType);
  if (!isParsed(parsed)) throw new Error(`its code does not parse any more: ${parsed.message}`);
  const functions = new Map<string, SlotInfo>();
  for (const { start, end, node, ...info } of buildTable(parsed, module.sourceType).entries) {
    functions.set(rangeKey(start, end), { ...info, arrow: node.type === 'ArrowFunctionExpression' });
  }
  return { running, functions, replaced: new Map() };
}

/** Where an offset of the running source lies after the edits (none of which contains it). */
function shift(offset: number, edits: readonly SourceEdit[]): number {
  let delta = 0;
  for (const edit of edits) {
    if (edit.runningEnd <= offset) delta += edit.patchedEnd - edit.patchedStart - (edit.runningEnd - edit.runningStart);
  }
  return offset + delta;
}

/** The state after a patch replaced the functions at `edits` (each one a function of `functions`). */
export function advance(state: ModuleState, patched: string, edits: readonly SourceEdit[], version: string): ModuleState {
  const functions = new Map<string, SlotInfo>();
  const replaced = new Map<string, string>();
  const editOf = (start: number, end: number) => edits.find((e) => e.runningStart === start && e.runningEnd === end);
  const inside = (start: number, end: number) => edits.find((e) => start >= e.runningStart && end <= e.runningEnd);
  for (const [key, info] of state.functions) {
    const [start, end] = key.split(':').map(Number) as [number, number];
    const edit = editOf(start, end);
    if (edit !== undefined) {
      functions.set(rangeKey(edit.patchedStart, edit.patchedEnd), info);
      continue;
    }
    const container = inside(start, end);
    if (container !== undefined) continue;
    // Not touched, or around a replaced function: both ends move with what changed before them.
    functions.set(rangeKey(shift(start, edits), shift(end, edits)), info);
  }
  for (const edit of edits) {
    const owner = functions.get(rangeKey(edit.patchedStart, edit.patchedEnd))?.name ?? 'a replaced function';
    replaced.set(rangeKey(edit.patchedStart, edit.patchedEnd), `"${owner}", which patch ${version} replaced`);
  }
  for (const [key, why] of state.replaced) {
    const [start, end] = key.split(':').map(Number) as [number, number];
    if (inside(start, end) === undefined && editOf(start, end) === undefined) replaced.set(rangeKey(shift(start, edits), shift(end, edits)), why);
  }
  return { running: patched, functions, replaced };
}
