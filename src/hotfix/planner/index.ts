/**
 * The hotfix planner: given the source a module runs and a new version of it, decides before
 * anything is touched which functions to replace, and refuses (with a reason and a place) every
 * edit that LiveEdit would not apply correctly. Pure: no inspector, no I/O.
 *
 * The result's `patchedSource` is the running source with only the in-scope function texts taken
 * from the new source, which is what the applier hands to `Debugger.setScriptSource`.
 */
import type { Program } from 'acorn';
import type { FilePlan, PlannedFunction, Refusal, ScopeSelector } from '../types.js';
import { analysed } from './analysis.js';
import { captureRefusals } from './captures.js';
import type { Backend } from './function-checks.js';
import type { Entry, FunctionEntry } from './inventory.js';
import { matchInventories } from './match.js';
import { isParsed, locationOf, parseSource, type SourceType } from './parse.js';
import type { Parse } from './parse-cache.js';
import { reasons } from './reasons.js';
import { coverageOf, coversName } from './selectors.js';
import { splice } from './splice.js';
import { topLevelRefusals } from './top-level.js';
import { planUnits } from './units.js';

export interface PlanFileInput {
  /** The running module: an absolute path or a `file:` URL. Scope selectors are matched against it. */
  readonly file: string;
  /** The source the module runs, as V8 has it (`Debugger.getScriptSource`). */
  readonly runningSource: string;
  /** The new version of the whole file. */
  readonly newSource: string;
  /** `module` for an ES module, `script` for a CommonJS module (Node runs it inside a function). */
  readonly sourceType: SourceType;
  /** What may change; default: every function that differs, and the file's top-level code. */
  readonly scope?: readonly ScopeSelector[] | undefined;
  /**
   * The backend that will apply the plan: its own limits apply. Redirection (code loaded through
   * hotswap's loader) compiles the new functions in the module's scope, so scope layouts and concise
   * arrows do not matter to it, and a patch may bring new helper functions.
   * @default 'liveedit'
   */
  readonly backend?: Backend | undefined;
  /** How sources are parsed (a cache of parses, see parse-cache.ts). @default parseSource */
  readonly parse?: Parse | undefined;
}

export type { SourceType, Backend };
export { parseSelector, selectorMatchesFile, type ParsedSelector } from './selectors.js';

/**
 * Plans the patch of one file.
 * @throws HotfixInvalidError when a scope selector is malformed or the scope is an empty list
 */
export function planFile(input: PlanFileInput): FilePlan {
  const { file } = input;
  const coverage = coverageOf(file, input.scope);
  const backend = input.backend ?? 'liveedit';
  const refused = (refusals: Refusal[]): FilePlan => ({ file, patchedSource: undefined, functions: [], edits: [], refusals, ignored: [], helpers: [] });

  const parse = input.parse ?? parseSource;
  const runningParse = parse(input.runningSource, input.sourceType);
  if (!isParsed(runningParse)) {
    return refused([{ reason: reasons.parseFailed('running', runningParse.message, runningParse.location?.line), name: undefined, location: undefined }]);
  }
  const nextParse = parse(input.newSource, input.sourceType);
  if (!isParsed(nextParse)) {
    return refused([{ reason: reasons.parseFailed('new', nextParse.message, nextParse.location?.line), name: undefined, location: nextParse.location }]);
  }

  const running = analysed(runningParse, input.sourceType);
  const next = analysed(nextParse, input.sourceType);
  const refusals: Refusal[] = [];

  for (const selector of coverage.named) {
    const name = selector.name ?? '';
    if (!running.inventory.entries.some((entry) => coversName(name, entry.name))) {
      refusals.push({ reason: reasons.scopeMatchesNothing(selector.text, file), name, location: undefined });
    }
  }

  const matching = matchInventories(running, next);
  const helpers = backend === 'redirect' ? helperFunctions(next.source.program, matching.added) : [];
  const helperNames = new Set(helpers.map((h) => h.label));
  if (coverage.wholeFile) refusals.push(...topLevelRefusals(running, next, matching));
  const plan = planUnits(running, next, matching, coverage, backend, new Set(helpers));
  refusals.push(...plan.refusals);

  const patched = splice(
    input.runningSource,
    input.newSource,
    plan.units.map((unit) => ({
      name: unit.running.name,
      runningStart: unit.running.start,
      runningEnd: unit.running.end,
      nextStart: unit.next.start,
      nextEnd: unit.next.end,
      nextAt: unit.next.at,
    })),
  );
  if (plan.units.length > 0) {
    // Usually the new source itself (every difference was in a replaced function): parsed already.
    const patchedParse = parse(patched.text, input.sourceType);
    if (isParsed(patchedParse)) {
      const scopes = analysed(patchedParse, input.sourceType).scopes;
      refusals.push(...captureRefusals(running, next, scopes, patched, matching, input.sourceType, backend === 'redirect' ? { helpers: helperNames } : undefined));
    } else {
      refusals.push({ reason: reasons.patchedParseFailed(patchedParse.message), name: undefined, location: undefined });
    }
  }

  const functions: PlannedFunction[] = plan.units.map((unit) => ({
    name: unit.running.name,
    kind: unit.running.kind,
    location: locationOf(running.source, unit.running.at),
  }));
  return {
    file,
    patchedSource: refusals.length === 0 ? patched.text : undefined,
    functions,
    edits: refusals.length === 0 ? patched.splices.map(({ runningStart, runningEnd, nextStart, nextEnd, patchedStart, patchedEnd }) => ({ runningStart, runningEnd, nextStart, nextEnd, patchedStart, patchedEnd })) : [],
    refusals,
    ignored: plan.ignored,
    helpers: refusals.length === 0 && plan.units.length > 0 ? helpers.map((h) => ({ name: h.label, nextStart: h.node.start, nextEnd: h.node.end })) : [],
  };
}

/**
 * New functions a redirected patch may bring: declared at the top level (not exported, since an ES
 * module's exports are fixed when it loads, and not holding state: a declaration, no initialiser).
 */
function helperFunctions(program: Program, added: readonly Entry[]): FunctionEntry[] {
  const declared = new Set(program.body.filter((s) => s.type === 'FunctionDeclaration').map((s) => s.start));
  return added.filter((e): e is FunctionEntry => e.type === 'function' && e.parent.type === 'program' && declared.has(e.node.start));
}
