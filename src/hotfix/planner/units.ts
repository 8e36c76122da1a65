/**
 * Which functions a patch replaces. Walking the paired trees from the top: a function whose own
 * code changed (its shell: everything but the functions and classes inside it) and that is in scope
 * is replaced whole, closures and all; a function that changed only inside nested functions is left
 * as it runs, and the nested functions are looked at instead. So the smallest function that holds
 * a change is what gets replaced.
 *
 * Along the way: functions and methods that are new or removed, class shape changes, and the
 * per-function checks, for what is in scope; what differs out of scope is listed as ignored.
 */
import type { Refusal } from '../types.js';
import { classShapeRefusals } from './class-shape.js';
import { bodyRefusals, kindRefusal, type Backend } from './function-checks.js';
import type { ClassEntry, Container, Entry, FunctionEntry } from './inventory.js';
import { changed, type Matching, type Pair, type Side } from './match.js';
import { locationOf } from './parse.js';
import { reasons } from './reasons.js';
import type { Coverage } from './selectors.js';

export interface FunctionPair extends Pair {
  readonly running: FunctionEntry;
  readonly next: FunctionEntry;
}

interface ClassPair extends Pair {
  readonly running: ClassEntry;
  readonly next: ClassEntry;
}

export interface UnitPlan {
  /** The functions to replace, whole: none holds another. */
  readonly units: readonly FunctionPair[];
  readonly ignored: readonly string[];
  readonly refusals: readonly Refusal[];
}

/**
 * `helpers`: for redirection, the new functions declared at the top level that a patch may bring
 * along (compiled with the functions that use them): not refused as new.
 */
export function planUnits(running: Side, next: Side, matching: Matching, coverage: Coverage, backend: Backend = 'liveedit', helpers: ReadonlySet<Entry> = new Set()): UnitPlan {
  const units: FunctionPair[] = [];
  const ignored: string[] = [];
  const refusals: Refusal[] = [];
  const addedUnder = groupByParent(matching.added);
  const removedUnder = groupByParent(matching.removed);

  /**
   * New and removed functions and classes directly in the program or a class. (In a function they
   * are part of its code: the function changed and is replaced whole.) `inUnit`: the class is in a
   * replaced function, where everything is in scope.
   */
  const newAndRemoved = (runningContainer: Container, nextContainer: Container, inUnit: boolean): void => {
    for (const entry of addedUnder.get(nextContainer) ?? []) {
      if (entry.label === '') continue; // reported with the statement it is in
      if (helpers.has(entry)) continue;
      if (inUnit || coverage.covers(entry.name)) {
        refusals.push({ reason: reasons.isNew(entry), name: entry.name, location: locationOf(next.source, entry.at) });
      } else {
        ignored.push(entry.name);
      }
    }
    for (const entry of removedUnder.get(runningContainer) ?? []) {
      if (entry.label === '') continue;
      if (inUnit || coverage.covers(entry.name)) refusals.push({ reason: reasons.wasRemoved(entry), name: entry.name, location: undefined });
      else ignored.push(entry.name);
    }
  };

  const classChanges = (pair: ClassPair, inUnit: boolean): void => {
    refusals.push(...classShapeRefusals({ source: running.source, entry: pair.running }, { source: next.source, entry: pair.next }));
    newAndRemoved(pair.running, pair.next, inUnit);
  };

  const kindChange = (pair: FunctionPair): void => {
    const refusal = kindRefusal({ source: running.source, entry: pair.running }, { source: next.source, entry: pair.next });
    if (refusal) refusals.push(refusal);
  };

  const pairsUnder = (container: Container): Pair[] =>
    container.children.flatMap((child) => {
      const pair = matching.byRunning.get(child);
      return pair === undefined ? [] : [pair];
    });

  const visit = (pair: Pair): void => {
    const covered = coverage.covers(pair.running.name);
    // Before the text comparison: `m()` → `async m()` leaves a method's own text (from its `(`) unchanged.
    if (isFunctionPair(pair) && covered) kindChange(pair);
    if (!changed(running, next, pair)) return;
    if (isClassPair(pair)) {
      if (covered) classChanges(pair, false);
      else newAndRemoved(pair.running, pair.next, false);
      for (const child of pairsUnder(pair.running)) visit(child);
      return;
    }
    if (!isFunctionPair(pair)) return;
    const selfChanged = matching.shellOf('running', pair.running) !== matching.shellOf('next', pair.next);
    if (selfChanged && covered) {
      if (pair.reliable) {
        units.push(pair);
        checkUnit(pair, true);
      } else {
        refusals.push({
          reason: reasons.cannotMatch(pair.running.name, describeContainer(pair.running.parent)),
          name: pair.running.name,
          location: locationOf(next.source, pair.next.at),
        });
      }
      return;
    }
    if (selfChanged) ignored.push(pair.running.name);
    for (const child of pairsUnder(pair.running)) visit(child);
  };

  /** A replaced function is checked whole: every function and class in it that has a version in both. */
  const checkUnit = (pair: Pair, isUnit: boolean): void => {
    if (isFunctionPair(pair)) {
      if (!isUnit) kindChange(pair);
      if (changed(running, next, pair)) {
        refusals.push(...bodyRefusals({ source: running.source, entry: pair.running }, { source: next.source, entry: pair.next }, backend));
      }
    } else if (isClassPair(pair) && changed(running, next, pair)) {
      classChanges(pair, true);
    }
    for (const child of pairsUnder(pair.running)) checkUnit(child, false);
  };

  const root = running.inventory.root;
  newAndRemoved(root, next.inventory.root, false);
  for (const pair of pairsUnder(root)) visit(pair);
  return { units, ignored, refusals };
}

function isFunctionPair(pair: Pair): pair is FunctionPair {
  return pair.running.type === 'function' && pair.next.type === 'function';
}

function isClassPair(pair: Pair): pair is ClassPair {
  return pair.running.type === 'class' && pair.next.type === 'class';
}

function groupByParent(entries: readonly Entry[]): Map<Container, Entry[]> {
  const groups = new Map<Container, Entry[]>();
  for (const entry of entries) {
    const group = groups.get(entry.parent) ?? [];
    group.push(entry);
    groups.set(entry.parent, group);
  }
  return groups;
}

function describeContainer(container: Container): string {
  return container.type === 'program' ? 'the module top level' : `"${container.name}"`;
}
