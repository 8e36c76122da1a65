/**
 * Turns the functions a plan replaces into the new implementations their slots receive, compiled
 * in the module's scope (or their top-level class's) through the evaluators the module registered:
 * - a function that uses no variable of an enclosing function is compiled as it is written;
 * - a closure's new code reads and assigns the enclosing variables through the object its stub
 *   hands over (`__hotswap$env.count++`), and is called with the stub's `this` and arguments;
 * - a method, getter or setter is compiled as one of an object literal, and, when it uses `super`,
 *   that object gets the class's parent as prototype, so `super` reads what it read before;
 * - new helper functions of the patch are compiled once, in the module's scope, and handed to the
 *   new code of every function of the file.
 * What cannot be compiled that way is refused, with the reason.
 */
import { pathToFileURL } from 'node:url';
import { HotfixRedirectError, describe } from '../../errors.js';
import { analysed } from '../planner/analysis.js';
import type { FunctionEntry } from '../planner/inventory.js';
import type { Parse } from '../planner/parse-cache.js';
import { isParsed, locationOf, parseSource, type ParsedSource, type SourceType } from '../planner/parse.js';
import type { Reference } from '../planner/scopes.js';
import { forEachChild } from '../planner/syntax.js';
import type { FilePlan, Refusal } from '../types.js';
import { NAMES } from './names.js';
import type { RedirectModule } from './runtime.js';
import { rangeKey, type ModuleState, type SlotInfo } from './state.js';
import { IMPLICIT_CAPTURES } from './table.js';
import { WRAPPER_LINES, unitMaps, type UnitMaps } from './unit-map.js';

export interface CompiledFunction {
  readonly name: string;
  readonly slot: number;
  readonly implementation: unknown;
}

export type CompileResult = { readonly ok: true; readonly functions: readonly CompiledFunction[] } | { readonly ok: false; readonly refusals: readonly Refusal[] } | { readonly ok: false; readonly error: HotfixRedirectError };

export interface UnitText {
  readonly name: string;
  readonly slot: number;
  readonly classIndex: number | undefined;
  readonly expression: string;
  /** The map of the compiled text, when the new source has one (see unit-map.ts). */
  readonly sourceMapComment: string | undefined;
}


/** Starts of identifiers written as shorthand properties (`{ count }`), which a rewrite must expand. */
function shorthandStarts(parsed: ParsedSource, start: number, end: number): Set<number> {
  const found = new Set<number>();
  const visit = (node: { type: string; start: number; end: number }): void => {
    if (node.end <= start || node.start >= end) return;
    if (node.type === 'Property' && (node as unknown as { shorthand: boolean }).shorthand) {
      found.add((node as unknown as { key: { start: number } }).key.start);
    }
    forEachChild(node as never, visit);
  };
  visit(parsed.program);
  return found;
}

interface UnitContext {
  readonly parsed: ParsedSource;
  readonly entry: FunctionEntry;
  readonly info: SlotInfo;
  /** References inside the new function that reach outside it, to something that is not module-level. */
  readonly outer: readonly Reference[];
  readonly maps: UnitMaps | undefined;
}

function refusal(context: UnitContext, reason: string): Refusal {
  return { reason, name: context.info.name, location: locationOf(context.parsed, context.entry.at) };
}

function checkUnit(context: UnitContext): Refusal[] {
  const { info, entry } = context;
  const refusals: Refusal[] = [];
  const known = new Set(info.captures.map((c) => c.name));
  if (info.paramsRunCode) {
    refusals.push(
      refusal(context, `"${info.name}" cannot be redirected: its running parameters run code (a default value that calls or assigns, or an array pattern), which would then run twice per call; patch the function that calls it`),
    );
  }
  if (info.arrow) {
    const declared = entry.node.params.filter((p) => p.type !== 'RestElement').length;
    const rest = entry.node.params.some((p) => p.type === 'RestElement');
    if (declared > info.paramCount || (rest && !info.hasRest)) {
      refusals.push(refusal(context, `arrow "${info.name}" takes more parameters than the running one, whose stub passes on only the ${info.paramCount} it declares`));
    }
  }
  for (const ref of context.outer) {
    if (ref.name.startsWith('<')) {
      // `super` in a method (or in arrows inside it) compiles as the object literal's, whose
      // prototype memberExpression sets to the class's parent; anywhere else it cannot.
      if (info.member === undefined || info.classIndex === undefined) {
        refusals.push(refusal(context, `"${info.name}" uses super outside a method of a class declared at the top level: its new code cannot reach the home object`));
      }
      continue;
    }
    if (ref.name === 'this') {
      if (entry.node.type === 'ArrowFunctionExpression' && !info.withEnv) {
        refusals.push(refusal(context, `"${info.name}" starts using \`this\` of the function around it, which the running arrow does not use: patch the function around it instead`));
      }
      continue;
    }
    if (!known.has(ref.name)) {
      const what = IMPLICIT_CAPTURES.has(ref.name) ? `\`${ref.name}\`` : `"${ref.name}"`;
      refusals.push(
        refusal(context, `"${info.name}" starts using ${what} of the function around it, which the running closure does not use: its new code cannot reach it; patch the function around it instead`),
      );
    }
  }
  return dedupe(refusals);
}

function dedupe(refusals: Refusal[]): Refusal[] {
  const seen = new Set<string>();
  return refusals.filter((r) => !seen.has(r.reason) && seen.add(r.reason));
}

/** The new function's text, with the enclosing variables it uses read through the handed-over object. */
function rewritten(context: UnitContext, source: string, start: number, end: number): string {
  if (!context.info.withEnv) return source.slice(start, end);
  const shorthand = shorthandStarts(context.parsed, start, end);
  const edits = context.outer
    .filter((ref) => !ref.name.startsWith('<') && ref.name !== 'this')
    .map((ref) => {
      const access = ref.name === 'new.target' ? `${NAMES.env}["new.target"]` : `${NAMES.env}.${ref.name}`;
      return { at: ref.start, length: ref.name.length, text: shorthand.has(ref.start) ? `${ref.name}: ${access}` : access };
    })
    .sort((a, b) => a.at - b.at);
  let text = '';
  let from = start;
  for (const edit of edits) {
    text += source.slice(from, edit.at) + edit.text;
    from = edit.at + edit.length;
  }
  return text + source.slice(from, end);
}

/** Where a compiled text's new code starts: what precedes it there, and the text's map. */
interface Placement {
  readonly padding: string;
  readonly sourceMapComment: string | undefined;
}

/**
 * New lines and spaces that put what follows at `offset`'s line and column of the new source, so
 * that stack frames in the compiled text show the new file's lines (columns too, but where a
 * closure's variables were rewritten). With a map, one new line after the wrapper's line and a map
 * of the text's own lines; without one (plain JavaScript), one new line per line before it.
 */
function placement(parsed: ParsedSource, maps: UnitMaps | undefined, offset: number, end: number): Placement {
  const { line, column } = locationOf(parsed, offset);
  const spaces = ' '.repeat(Math.max(0, column - 1));
  if (maps === undefined) return { padding: '\n'.repeat(Math.max(0, line - 1)) + spaces, sourceMapComment: undefined };
  return { padding: '\n'.repeat(WRAPPER_LINES) + spaces, sourceMapComment: maps.comment(line - 1, locationOf(parsed, end).line - 1) };
}

function memberExpression(context: UnitContext, source: string, body: string, padding: string): string {
  const { entry, info } = context;
  // What precedes the parameters: `static async *name`, `get #total`, `[Symbol.iterator]`.
  const head = source
    .slice(entry.at, entry.node.start)
    .replace(/^static\s+/, '')
    .replace(/#(?=[\p{ID_Start}$_])/u, '');
  const object = NAMES.prefix + 'o';
  const home = info.isStatic ? 'this' : 'this.prototype';
  const usesSuper = context.outer.some((ref) => ref.name.startsWith('<'));
  const part = entry.kind === 'getter' ? 'get' : entry.kind === 'setter' ? 'set' : 'value';
  return (
    `(() => { const ${object} = { ${padding}${head}${body} }; ` +
    (usesSuper ? `Object.setPrototypeOf(${object}, Object.getPrototypeOf(${home})); ` : '') +
    `return Object.getOwnPropertyDescriptor(${object}, Reflect.ownKeys(${object})[0]).${part}; })()`
  );
}

function unitExpression(context: UnitContext, source: string, start: number, end: number): { expression: string; sourceMapComment: string | undefined } {
  const body = rewritten(context, source, start, end);
  const isMember = context.entry.kind === 'method' || context.entry.kind === 'getter' || context.entry.kind === 'setter';
  const { padding, sourceMapComment } = placement(context.parsed, context.maps, isMember ? context.entry.at : start, end);
  const expression = isMember ? memberExpression(context, source, body, padding) : `(${padding}${body})`;
  if (!context.info.withEnv) return { expression, sourceMapComment };
  const f = NAMES.prefix + 'f';
  const accessors = NAMES.prefix + 'a';
  // The variables' object: accessors on a class made once per patch, over the stub's arrows.
  const members = context.info.captures
    .map((c, i) => {
      const key = JSON.stringify(c.name);
      const get = `get [${key}]() { return this.${accessors}[${2 * i}](); }`;
      return c.writable ? `${get} set [${key}](${NAMES.value}) { this.${accessors}[${2 * i + 1}](${NAMES.value}); }` : get;
    })
    .join(' ');
  const envClass = `class { constructor(${accessors}) { this.${accessors} = ${accessors}; } ${members} }`;
  return {
    expression:
      `((${NAMES.prefix}E) => function (${accessors}, ${NAMES.args}, ${NAMES.newTarget}) { const ${NAMES.env} = new ${NAMES.prefix}E(${accessors}); const ${f} = ${expression}; ` +
      `return ${NAMES.newTarget} === undefined ? ${f}.apply(this, ${NAMES.args}) : Reflect.construct(${f}, ${NAMES.args}, ${NAMES.newTarget}); })(${envClass})`,
    sourceMapComment,
  };
}

/** References inside `entry` that resolve outside it, to something neither module-level nor its class's. */
function outerReferences(references: readonly Reference[], entry: FunctionEntry, classNode: { start: number } | undefined): Reference[] {
  const { start, end } = entry.node;
  return references.filter((ref) => {
    if (ref.start < start || ref.start >= end || ref.binding === undefined) return false;
    const scope = ref.binding.scope;
    if (scope.node.start >= start && scope.node.end <= end) return false;
    if (scope.kind === 'module') return false;
    if (classNode !== undefined && scope.kind === 'class' && scope.node.start === classNode.start && !ref.name.startsWith('<')) return false;
    if (scope.kind === 'fields' && ref.name !== 'this') return false;
    return true;
  });
}

/** What the new code of a file is, as texts: what `evaluateUnits` compiles in the module's thread. */
export interface UnitTexts {
  readonly units: readonly UnitText[];
  /** The patch's helper functions, at their lines of the new source (see helpersInPlace). */
  readonly helperText: string;
  readonly helperNames: readonly string[];
  /** The helper text's map, when the new source has one (a .ts file's JavaScript always does). */
  readonly helperSourceMapComment: string | undefined;
}

export type UnitTextsResult = ({ readonly ok: true } & UnitTexts) | { readonly ok: false; readonly refusals: readonly Refusal[] } | { readonly ok: false; readonly error: HotfixRedirectError };

/**
 * The texts of the new functions of `plan`, each checked against its running stub: pure, so it can
 * run on another thread. `newSource` is the JavaScript the plan was made from.
 */
export function unitTexts(
  path: string,
  state: Pick<ModuleState, 'functions' | 'replaced'>,
  plan: FilePlan,
  newSource: string,
  sourceType: SourceType,
  options: {
    /** How to parse `newSource` (the planner's cache has its parse already). */
    readonly parse?: Parse;
    /** Where the new source's inline map is, when not at its end (a TypeScript file's transform). */
    readonly mapSource?: string;
  } = {},
): UnitTextsResult {
  const parsed = (options.parse ?? parseSource)(newSource, sourceType);
  if (!isParsed(parsed)) return { ok: false, error: new HotfixRedirectError(path, `the new source does not parse: ${parsed.message}`) };
  const { inventory, scopes } = analysed(parsed, sourceType);
  const references = scopes.references;
  const maps = unitMaps(options.mapSource ?? newSource);
  const refusals: Refusal[] = [];
  const units: UnitText[] = [];
  for (const edit of plan.edits) {
    const key = rangeKey(edit.runningStart, edit.runningEnd);
    const info = state.functions.get(key);
    const entry = inventory.functionAt.get(edit.nextStart);
    const fn = plan.functions[plan.edits.indexOf(edit)];
    const name = info?.name ?? fn?.name ?? '?';
    if (info === undefined || entry === undefined) {
      const container = [...state.replaced].find(([range]) => {
        const [s, e] = range.split(':').map(Number) as [number, number];
        return edit.runningStart >= s && edit.runningEnd <= e;
      });
      const why = container === undefined ? 'its stub was not found' : `it is part of ${container[1]}: patch that function instead`;
      refusals.push({ reason: `"${name}" cannot be redirected: ${why}`, name, location: fn?.location });
      continue;
    }
    if (info.slot === undefined) {
      refusals.push({ reason: `"${name}" cannot be redirected: ${info.reason ?? 'it has no slot'}`, name, location: fn?.location });
      continue;
    }
    const classEntry = info.classIndex === undefined ? undefined : topLevelClassAround(entry);
    const context: UnitContext = { parsed, entry, info, outer: outerReferences(references, entry, classEntry?.node), maps };
    const problems = checkUnit(context);
    if (problems.length > 0) {
      refusals.push(...problems);
      continue;
    }
    units.push({ name, slot: info.slot, classIndex: info.classIndex, ...unitExpression(context, newSource, edit.nextStart, edit.nextEnd) });
  }
  if (refusals.length > 0) return { ok: false, refusals };
  const helpers = helpersInPlace(parsed, maps, plan.helpers);
  return { ok: true, units, helperText: helpers.text, helperNames: plan.helpers.map((h) => h.name), helperSourceMapComment: helpers.sourceMapComment };
}

/** Compiles the texts in the module's (and its classes') scope, in the module's thread; assigns nothing. */
export function evaluateUnits(module: RedirectModule, texts: UnitTexts, version: string): CompileResult {
  const { helperNames, helperText } = texts;
  // Stack frames in the new code name the file, marked as the patch's (or, through its map, the new source's lines).
  const url = `${pathToFileURL(module.path).href}?hotswap-patch=${encodeURIComponent(version)}`;
  // Node keeps one map per source URL: each text with a map of its own gets a URL of its own.
  const trailer = (map: string | undefined, part: string): string => (map === undefined ? `\n//# sourceURL=${url}` : `\n${map}\n//# sourceURL=${url}&part=${part}`);
  try {
    const helpers =
      helperNames.length === 0 ? {} : (module.evaluate(`(() => {${helperText}\nreturn { ${helperNames.join(', ')} };\n})()${trailer(texts.helperSourceMapComment, 'helpers')}`) as Record<string, unknown>);
    const functions: CompiledFunction[] = [];
    const destructure = helperNames.length === 0 ? '' : `const { ${helperNames.join(', ')} } = ${NAMES.helpers}; `;
    for (const unit of texts.units) {
      const evaluate = unit.classIndex === undefined ? module.evaluate : module.classes[unit.classIndex];
      if (evaluate === undefined) throw new Error(`the class of "${unit.name}" has not been defined yet`);
      // One compilation a function: each starts at its own line (see placement).
      const text = `((${NAMES.helpers}) => { ${destructure}return ${unit.expression}; })${trailer(unit.sourceMapComment, String(unit.slot))}`;
      functions.push({ name: unit.name, slot: unit.slot, implementation: (evaluate(text) as (helpers: unknown) => unknown)(helpers) });
    }
    return { ok: true, functions };
  } catch (error) {
    return { ok: false, error: new HotfixRedirectError(module.path, `the new functions do not compile in the module's scope: ${describe(error)}`, error) };
  }
}

/**
 * The helper declarations with everything between them blanked out (new lines kept): the helpers
 * compile together, each at its own line and column of the new file. Without a map the text starts
 * at the file's first line; with one, at the first helper's line, after the wrapper's line.
 */
function helpersInPlace(parsed: ParsedSource, maps: UnitMaps | undefined, helpers: FilePlan['helpers']): { text: string; sourceMapComment: string | undefined } {
  if (helpers.length === 0) return { text: '', sourceMapComment: undefined };
  const source = parsed.text;
  const sorted = [...helpers].sort((a, b) => a.nextStart - b.nextStart);
  const first = locationOf(parsed, sorted[0]?.nextStart ?? 0);
  const last = locationOf(parsed, sorted[sorted.length - 1]?.nextEnd ?? 0);
  let from = maps === undefined ? 0 : (sorted[0]?.nextStart ?? 0) - (first.column - 1);
  let text = maps === undefined ? '' : '\n'.repeat(WRAPPER_LINES);
  for (const helper of sorted) {
    text += source.slice(from, helper.nextStart).replace(/[^\n]/g, ' ') + source.slice(helper.nextStart, helper.nextEnd);
    from = helper.nextEnd;
  }
  return { text, sourceMapComment: maps?.comment(first.line - 1, last.line - 1) };
}

function topLevelClassAround(entry: FunctionEntry): { node: { start: number } } | undefined {
  let container = entry.parent;
  while (container.type !== 'program') {
    if (container.type === 'class' && container.parent.type === 'program') return container;
    container = container.parent;
  }
  return undefined;
}
