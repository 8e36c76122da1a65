/**
 * Differences in module top-level code: statements, initialisers, imports and exports, and the
 * module-level bindings they declare. That code has already run, and LiveEdit cannot run it again
 * (it refuses outright in an ES module and ignores the change in a CommonJS one), so each difference
 * is refused when the whole file is in scope. Functions and classes declared at the top level are
 * matched on their own and do not count here.
 */
import type { ModuleDeclaration, Statement } from 'acorn';
import type { Refusal } from '../types.js';
import type { Matching, Side } from './match.js';
import { locationOf } from './parse.js';
import { reasons } from './reasons.js';
import type { ScopeAnalysis } from './scopes.js';
import { firstDifference, maskedTokens } from './shell.js';
import { patternIdentifiers } from './syntax.js';

export interface ScopedSide extends Side {
  readonly scopes: ScopeAnalysis;
}

export function topLevelRefusals(running: ScopedSide, next: ScopedSide, matching: Matching): Refusal[] {
  const refusals: Refusal[] = [];
  const runningNames = moduleBindings(running);
  const nextNames = moduleBindings(next);
  // A function or class that is new or removed is reported as such, not as a binding too.
  const reported = new Set([...matching.added, ...matching.removed].filter((e) => e.parent.type === 'program').map((e) => e.label));
  const added = [...nextNames].filter(([name]) => !runningNames.has(name) && !reported.has(name));
  const removed = [...runningNames].filter(([name]) => !nextNames.has(name) && !reported.has(name));
  for (const [name, start] of added) {
    refusals.push({ reason: reasons.bindingAdded(name, locationOf(next.source, start).line), name, location: locationOf(next.source, start) });
  }
  for (const [name, start] of removed) {
    refusals.push({ reason: reasons.bindingRemoved(name, locationOf(running.source, start).line), name, location: undefined });
  }
  const addedNames = new Set([...added.map(([name]) => name), ...reported]);
  const removedNames = new Set([...removed.map(([name]) => name), ...reported]);

  // Bindings added or removed were reported above; functions and classes are matched on their own.
  const declares = (statement: Statement | ModuleDeclaration, names: ReadonlySet<string>): boolean =>
    declaredNames(statement).length > 0 && declaredNames(statement).every((name) => names.has(name));
  const explained = (statement: Statement | ModuleDeclaration, names: ReadonlySet<string>): boolean =>
    isDeclarationOnly(statement) || declares(statement, names);

  const runningBody = running.source.program.body;
  const nextBody = next.source.program.body;
  for (const aligned of matching.statements) {
    if (aligned.same) continue;
    const before = aligned.running === undefined ? undefined : runningBody[aligned.running];
    const after = aligned.next === undefined ? undefined : nextBody[aligned.next];
    if (before !== undefined && after !== undefined) {
      if (isDeclarationOnly(before) && isDeclarationOnly(after)) {
        // A declaration replaced by another one (a rename): only how it is exported counts here.
        if (wrapperOf(before) === wrapperOf(after)) continue;
      } else if (declares(before, removedNames) && declares(after, addedNames)) {
        continue;
      }
      const a = maskedTokens(running.source, before.start, before.end, running.inventory.root.children);
      const b = maskedTokens(next.source, after.start, after.end, next.inventory.root.children);
      const index = firstDifference(a, b) ?? 0;
      const at = b[Math.min(index, b.length - 1)]?.start ?? after.start;
      refusals.push({ reason: reasons.topLevelChanged(locationOf(next.source, at).line), name: undefined, location: locationOf(next.source, at) });
    } else if (after !== undefined && !explained(after, addedNames)) {
      refusals.push({ reason: reasons.topLevelChanged(locationOf(next.source, after.start).line), name: undefined, location: locationOf(next.source, after.start) });
    } else if (before !== undefined && !explained(before, removedNames)) {
      refusals.push({ reason: reasons.topLevelRemoved(locationOf(running.source, before.start).line), name: undefined, location: undefined });
    }
  }
  return refusals;
}

/** Module-level bindings the code declares, with where (CommonJS wrapper parameters left out). */
function moduleBindings(side: ScopedSide): Map<string, number> {
  const names = new Map<string, number>();
  for (const binding of side.scopes.module.bindings.values()) {
    if (binding.kind !== 'implicit') names.set(binding.name, binding.start);
  }
  return names;
}

/** A function or class declaration, exported or not: it is compared as a function or class. */
function isDeclarationOnly(statement: Statement | ModuleDeclaration): boolean {
  const declaration =
    statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? statement.declaration : statement;
  return declaration?.type === 'FunctionDeclaration' || declaration?.type === 'ClassDeclaration';
}

/** How a declaration is exported: not, by name, or as the default. */
function wrapperOf(statement: Statement | ModuleDeclaration): string {
  return statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration' ? statement.type : 'none';
}

function declaredNames(statement: Statement | ModuleDeclaration): string[] {
  const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
  if (declaration?.type === 'VariableDeclaration') {
    return declaration.declarations.flatMap((d) => patternIdentifiers(d.id).map((id) => id.name));
  }
  if (declaration?.type === 'ImportDeclaration') return declaration.specifiers.map((s) => s.local.name);
  return [];
}
