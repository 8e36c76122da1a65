/**
 * What the replaced functions reach outside themselves, checked on the patched source against the
 * running one (measured: LiveEdit reports success and leaves the old code in each of these cases):
 * - a name that the new source declares (a module-level binding, or a variable of an enclosing
 *   function changed out of scope) but the running code does not: in the patched source it would
 *   resolve to nothing, or to a global;
 * - a change of which variables a scope keeps for closures. V8 keeps a variable where closures reach
 *   it only while some closure uses it, so a function that starts using a module binding (or a
 *   variable, `this` or `arguments` of an enclosing function, or a class's name or `super`) that no
 *   running closure uses, or the last closure that stops using one, changes how that scope is laid
 *   out: functions and closures made before the patch keep running their old code.
 * An ES module's imports and exports are exempt: they live in module cells, not in the scope.
 */
import type { Refusal } from '../types.js';
import type { Inventory } from './inventory.js';
import type { Matching } from './match.js';
import { locationOf, type ParsedSource, type SourceType } from './parse.js';
import { reasons } from './reasons.js';
import type { Binding, Reference, Scope, ScopeAnalysis } from './scopes.js';
import type { Patched } from './splice.js';

export interface AnalysedSide {
  readonly source: ParsedSource;
  readonly inventory: Inventory;
  readonly scopes: ScopeAnalysis;
}

type KeyOf = (scope: Scope) => string | undefined;

export function captureRefusals(
  running: AnalysedSide,
  next: AnalysedSide,
  patched: ScopeAnalysis,
  splices: Patched,
  matching: Matching,
  sourceType: SourceType,
  redirect?: { readonly helpers: ReadonlySet<string> },
): Refusal[] {
  const refusals: Refusal[] = [];
  const seen = new Set<string>();
  const refuse = (unit: string, reason: string, at: number | undefined): void => {
    if (seen.has(reason)) return;
    seen.add(reason);
    refusals.push({ reason, name: unit, location: at === undefined ? undefined : locationOf(next.source, at) });
  };

  // Names that resolve to nothing in the patched source but to a declaration in the new one.
  const nextReferences = new Map(next.scopes.references.map((ref) => [`${ref.start}\u0000${ref.name}`, ref]));
  for (const ref of patched.references) {
    const splice = ref.binding === undefined ? splices.spliceAt(ref.start) : undefined;
    if (splice === undefined) continue;
    const at = splices.toNext(ref.start);
    const declared = nextReferences.get(`${at}\u0000${ref.name}`)?.binding;
    if (declared === undefined || declared.kind === 'implicit') continue;
    if (redirect?.helpers.has(ref.name) && declared.scope.kind === 'module') continue;
    if (declared.scope.kind === 'module') refuse(splice.name, reasons.missingModuleBinding(splice.name, ref.name), at);
    else refuse(splice.name, reasons.missingBinding(splice.name, ref.name, ownerName(next.inventory, declared.scope)), at);
  }

  // Redirection compiles new code in the module's scope, where every binding is kept: scope layouts
  // do not matter to it.
  if (redirect !== undefined) return refusals;

  // Captured bindings per scope layout, the running and the patched source keyed alike.
  const runningKey: KeyOf = (scope) => keyFor(scope, scope.node.start);
  const patchedKey: KeyOf = (scope) => {
    if (scope.kind === 'module') return 'module';
    const start = scope.node.start;
    if (splices.spliceAt(start) === undefined) return keyFor(scope, splices.toRunning(start));
    // Inside a replaced function: the new version's scope stands for the running version's.
    const at = splices.toNext(start);
    const entry = scope.kind === 'function' ? next.inventory.functionAt.get(at) : next.inventory.classAt.get(at);
    const counterpart = entry === undefined || scope.kind === 'static-block' || scope.kind === 'block' ? undefined : matching.byNext.get(entry);
    return counterpart === undefined ? undefined : keyFor(scope, counterpart.running.start);
  };
  const exempt = (binding: Binding): boolean =>
    sourceType === 'module' && binding.scope.kind === 'module' && (binding.kind === 'import' || binding.exported);
  const before = capturedByLayout(running.scopes, runningKey, exempt);
  const after = capturedByLayout(patched, patchedKey, exempt);

  // Which replaced function made a capture appear (in the patched source) or go (in the running one).
  const causeAfter = causes(patched.references, patchedKey, (offset) => splices.spliceAt(offset)?.name);
  const causeBefore = causes(running.scopes.references, runningKey, (offset) => splices.runningSpliceAt(offset)?.name);

  for (const [key, captured] of after) {
    const was = before.get(key);
    if (was === undefined) continue;
    const owner = describeKey(running.inventory, key);
    for (const [name, binding] of captured) {
      if (was.has(name)) continue;
      const unit = causeAfter.get(`${key}\u0000${name}`) ?? owner.name;
      const at = nextOffset(splices, unit);
      if (key === 'module') refuse(unit, reasons.moduleCaptureAdded(unit, describeBinding(binding)), at);
      else if (binding.scope.kind === 'class') refuse(unit, reasons.classCaptureAdded(unit, describeBinding(binding), owner.name), at);
      else refuse(unit, reasons.captureAdded(unit, describeBinding(binding), owner.text), at);
    }
    for (const [name, binding] of was) {
      // Measured: a class that loses its last use of its name or of `super` still works.
      if (captured.has(name) || binding.scope.kind === 'class') continue;
      const unit = causeBefore.get(`${key}\u0000${name}`) ?? owner.name;
      const at = nextOffset(splices, unit);
      if (key === 'module') refuse(unit, reasons.moduleCaptureRemoved(unit, describeBinding(binding)), at);
      else refuse(unit, reasons.captureRemoved(unit, describeBinding(binding), owner.text), at);
    }
  }
  return refusals;
}

/** One key per scope that holds captured variables; blocks count with the function they are in. */
function keyFor(scope: Scope, start: number): string | undefined {
  switch (scope.kind) {
    case 'module':
      return 'module';
    case 'fields':
      return `${scope.isStatic ? 'static-fields' : 'fields'}@${start}`;
    case 'block':
      return undefined;
    default:
      return `${scope.kind}@${start}`;
  }
}

function capturedByLayout(analysis: ScopeAnalysis, keyOf: KeyOf, exempt: (b: Binding) => boolean): Map<string, Map<string, Binding>> {
  const layouts = new Map<string, Map<string, Binding>>();
  for (const scope of analysis.scopes) {
    const key = scope.layout === scope ? keyOf(scope) : undefined;
    if (key !== undefined) layouts.set(key, new Map());
  }
  for (const scope of analysis.scopes) {
    for (const binding of scope.bindings.values()) {
      if (!binding.captured || exempt(binding)) continue;
      const key = keyOf(binding.scope.layout);
      if (key !== undefined) layouts.get(key)?.set(binding.name, binding);
    }
  }
  return layouts;
}

/** For each captured binding (by layout key and name): the replaced function one of its captures is in. */
function causes(references: readonly Reference[], keyOf: KeyOf, unitAt: (offset: number) => string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const ref of references) {
    const binding = ref.binding;
    if (binding === undefined || binding.scope.owner === ref.scope.owner) continue;
    const unit = unitAt(ref.start);
    const key = unit === undefined ? undefined : keyOf(binding.scope.layout);
    if (unit !== undefined && key !== undefined && !found.has(`${key}\u0000${binding.name}`)) found.set(`${key}\u0000${binding.name}`, unit);
  }
  return found;
}

function nextOffset(splices: Patched, unit: string): number | undefined {
  return splices.splices.find((s) => s.name === unit)?.nextAt;
}

/** The scope a key stands for, in the running source: its name, and how a message refers to it. */
function describeKey(inventory: Inventory, key: string): { name: string; text: string } {
  if (key === 'module') return { name: 'the module', text: 'the module' };
  const [kind = '', at = ''] = key.split('@');
  const start = Number(at);
  if (kind === 'function') {
    const name = inventory.functionAt.get(start)?.name ?? '<function>';
    return { name, text: `"${name}"` };
  }
  const className = inventory.classAt.get(start)?.name ?? '<class>';
  if (kind === 'fields') return { name: className, text: `the instance fields of class ${className}` };
  if (kind === 'static-fields') return { name: className, text: `the static fields of class ${className}` };
  if (kind === 'static-block') return { name: 'a static block', text: 'a static block' };
  return { name: className, text: `class ${className}` };
}

function ownerName(inventory: Inventory, scope: Scope): string {
  const start = scope.layout.node.start;
  return inventory.functionAt.get(start)?.name ?? inventory.classAt.get(start)?.name ?? 'an enclosing block';
}

function describeBinding(binding: Binding): string {
  switch (binding.name) {
    case 'this':
    case 'arguments':
    case 'new.target':
      return `\`${binding.name}\``;
    case '<home>':
    case '<static home>':
      return 'super';
    default:
      return binding.scope.kind === 'class' ? `the class name "${binding.name}"` : `"${binding.name}"`;
  }
}
