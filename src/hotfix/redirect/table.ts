/**
 * Which functions of a source the redirection backend can reach, and how: the function table.
 * Computed from the source alone, the same way in the loader (to instrument the code) and in the
 * engine (to plan a patch), so the two never exchange it.
 *
 * Every function gets a slot, checked at the top of its body: when a patch fills it, the function
 * forwards each call to the new implementation, compiled in the module's own scope (or, inside a
 * class declared at the top level, in the class's scope, which also sees its `#private` names).
 * A closure's new implementation cannot see the variables of the functions around it; its stub
 * hands them over in an object of getters and setters (`captures`), listing exactly the ones the
 * running closure uses.
 */
import type { AnyNode, Program } from 'acorn';
import { buildInventory, type ClassEntry, type Container, type FunctionEntry } from '../planner/inventory.js';
import type { ParsedSource, SourceType } from '../planner/parse.js';
import { analyzeScopes, type Binding, type Reference } from '../planner/scopes.js';
import { forEachChild, type FunctionNode } from '../planner/syntax.js';

/** A variable of an enclosing function that a closure uses: handed over by its stub. */
export interface Capture {
  readonly name: string;
  /** Whether the closure may assign it (not a `const`, an import or a class's own name). */
  readonly writable: boolean;
}

export interface TableEntry {
  /** The planner's qualified name (`Class.method`, `outer.inner`). */
  readonly name: string;
  /** The function's range: for a method, its value (from the parameters), as the planner's units. */
  readonly start: number;
  readonly end: number;
  readonly node: FunctionNode;
  /** Its slot, or undefined when it cannot be redirected (then `reason` says why). */
  readonly slot: number | undefined;
  readonly reason: string | undefined;
  /** Index of the top-level class whose scope compiles it, or undefined for the module's scope. */
  readonly classIndex: number | undefined;
  /** The class member it is (what its new implementation is compiled as), if any. */
  readonly member: 'method' | 'getter' | 'setter' | undefined;
  readonly isStatic: boolean;
  /** The key of the member as written (`m`, `#m`, `[Symbol.iterator]`). */
  readonly key: string | undefined;
  /** Variables of enclosing functions it uses; empty for a function that uses none. */
  readonly captures: readonly Capture[];
  /** An arrow that uses `this`, `arguments` or `new.target` of the function around it. */
  readonly outerThis: boolean;
  /** The stub hands over captures (the `env` form) rather than forwarding the call as it is. */
  readonly withEnv: boolean;
  /**
   * Its parameters run code of their own (a default that calls, assigns or awaits; an array pattern,
   * which iterates): the stub runs after them, so once redirected they would run twice per call.
   */
  readonly paramsRunCode: boolean;
  /** How many parameters it declares before any rest parameter (what an arrow's stub forwards). */
  readonly paramCount: number;
  readonly hasRest: boolean;
}

export interface FunctionTable {
  readonly entries: readonly TableEntry[];
  /** Top-level classes in source order: their index is what their static block registers. */
  readonly classes: readonly ClassEntry[];
  readonly slots: number;
}

/** What a closure may use of the function around it besides its variables (`this` travels as the call's own). */
export const IMPLICIT_CAPTURES: ReadonlySet<string> = new Set(['arguments', 'new.target']);

function within(node: { start: number; end: number }, at: number): boolean {
  return at >= node.start && at < node.end;
}

function topLevelClassOf(entry: FunctionEntry): ClassEntry | undefined {
  let container: Container = entry.parent;
  while (container.type !== 'program') {
    if (container.type === 'class') return container.parent.type === 'program' ? container : undefined;
    container = container.parent;
  }
  return undefined;
}

function simpleParameters(node: FunctionNode): boolean {
  return node.params.every(
    (param, i) => param.type === 'Identifier' || (i === node.params.length - 1 && param.type === 'RestElement' && param.argument.type === 'Identifier'),
  );
}

const RUNS_CODE = new Set(['CallExpression', 'NewExpression', 'AssignmentExpression', 'UpdateExpression', 'TaggedTemplateExpression', 'AwaitExpression', 'YieldExpression', 'ImportExpression', 'ArrayPattern']);

/** Whether evaluating the parameter list can run code: see `TableEntry.paramsRunCode`. */
export function parametersRunCode(node: FunctionNode): boolean {
  let found = false;
  const visit = (child: AnyNode): void => {
    if (found) return;
    if (RUNS_CODE.has(child.type)) {
      found = true;
      return;
    }
    // A function in a default is created, not run.
    if (child.type === 'FunctionExpression' || child.type === 'ArrowFunctionExpression' || child.type === 'ClassExpression') return;
    forEachChild(child, visit);
  };
  for (const param of node.params) if (param.type !== 'Identifier') visit(param);
  return found;
}

/** Index of the first reference that starts at or after `offset` (references sorted by start). */
function firstAtOrAfter(references: readonly Reference[], offset: number): number {
  let low = 0;
  let high = references.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((references[mid] as Reference).start < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

function isWritable(binding: Binding): boolean {
  return binding.kind !== 'const' && binding.kind !== 'import' && binding.kind !== 'self';
}

export function buildTable(parsed: ParsedSource, sourceType: SourceType): FunctionTable {
  const program: Program = parsed.program;
  const inventory = buildInventory(program, parsed.text);
  const scopes = analyzeScopes(program, sourceType);
  const classes = inventory.entries.filter((e): e is ClassEntry => e.type === 'class' && e.parent.type === 'program');
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const references = [...scopes.references].sort((a, b) => a.start - b.start);

  const entries: TableEntry[] = [];
  let slots = 0;
  for (const entry of inventory.entries) {
    if (entry.type !== 'function') continue;
    const node = entry.node;
    const cls = topLevelClassOf(entry);
    const memberOf = entry.parent.type === 'class' && (entry.kind === 'method' || entry.kind === 'getter' || entry.kind === 'setter');
    const label = entry.label;
    const isStatic = memberOf && label.startsWith('static ');
    const bare = isStatic ? label.slice('static '.length) : label;
    const key = memberOf ? bare.replace(/^(get|set) /, '') : undefined;

    let reason: string | undefined;
    if (memberOf && entry.kind === 'method' && !isStatic && bare === 'constructor') {
      reason = 'a class constructor cannot be redirected: patch the methods it calls';
    } else if (node.type === 'ArrowFunctionExpression' && !simpleParameters(node)) {
      reason = 'an arrow function with default or destructured parameters cannot be redirected: patch the function that creates it';
    }

    const captures = new Map<string, Capture>();
    let outerThis = false;
    // Only the references inside the function: found by bisection, since a file of megabytes has
    // tens of thousands of functions and a million references.
    for (let i = firstAtOrAfter(references, node.start); i < references.length; i++) {
      const ref = references[i] as Reference;
      if (ref.start >= node.end) break;
      const binding = ref.binding;
      if (binding === undefined) continue;
      const scopeNode = binding.scope.node;
      if (within(node, scopeNode.start) && scopeNode.end <= node.end) continue;
      if (binding.scope.kind === 'module') continue;
      if (cls !== undefined && binding.scope.kind === 'class' && scopeNode === cls.node) continue;
      if (ref.name.startsWith('<')) continue; // `super`: decided when a patch is compiled
      if (ref.name === 'this' || (binding.kind === 'implicit' && binding.scope.kind === 'fields')) {
        outerThis = true;
        continue;
      }
      if (IMPLICIT_CAPTURES.has(ref.name)) outerThis = true;
      if (!captures.has(ref.name)) captures.set(ref.name, { name: ref.name, writable: !IMPLICIT_CAPTURES.has(ref.name) && isWritable(binding) });
    }
    const list = [...captures.values()];
    entries.push({
      name: entry.name,
      start: entry.start,
      end: entry.end,
      node,
      slot: reason === undefined ? slots++ : undefined,
      reason,
      classIndex: cls === undefined ? undefined : classIndex.get(cls),
      member: memberOf ? (entry.kind) : undefined,
      isStatic,
      key,
      captures: list,
      outerThis,
      withEnv: list.length > 0 || (outerThis && node.type === 'ArrowFunctionExpression'),
      paramsRunCode: parametersRunCode(node),
      paramCount: node.params.filter((p) => p.type !== 'RestElement').length,
      hasRest: node.params.some((p) => p.type === 'RestElement'),
    });
  }
  return { entries, classes, slots };
}
