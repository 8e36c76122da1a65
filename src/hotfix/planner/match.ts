/**
 * Pairs every function and class of the running source with its version in the new source. Named
 * ones pair by name. Anonymous ones pair by position among the anonymous siblings, which is exact
 * when the code around them is unchanged; otherwise the pairing is a guess, marked unreliable, good
 * enough for checks but never for choosing what to replace.
 */
import { align, type Aligned } from './align.js';
import type { Container, Entry, Inventory } from './inventory.js';
import { sameTokens, type ParsedSource } from './parse.js';
import { fingerprint, maskedTokens } from './shell.js';

export interface Side {
  readonly source: ParsedSource;
  readonly inventory: Inventory;
}

export interface Pair {
  readonly running: Entry;
  readonly next: Entry;
  /** False when the pairing is positional inside code that changed. */
  readonly reliable: boolean;
}

export interface Matching {
  readonly pairs: readonly Pair[];
  readonly byRunning: ReadonlyMap<Entry, Pair>;
  readonly byNext: ReadonlyMap<Entry, Pair>;
  /** Functions and classes of the new source with no running version, under a paired parent. */
  readonly added: readonly Entry[];
  /** Functions and classes of the running source with no new version, under a paired parent. */
  readonly removed: readonly Entry[];
  /** The top-level statements of both sources, aligned. */
  readonly statements: readonly Aligned[];
  /** Shell fingerprints, computed once per container. */
  shellOf(side: 'running' | 'next', container: Container): string;
}

export function matchInventories(running: Side, next: Side): Matching {
  const pairs: Pair[] = [];
  const byRunning = new Map<Entry, Pair>();
  const byNext = new Map<Entry, Pair>();
  const added: Entry[] = [];
  const removed: Entry[] = [];
  const shells = { running: new Map<Container, string>(), next: new Map<Container, string>() };

  const shellOf = (side: 'running' | 'next', container: Container): string => {
    let shell = shells[side].get(container);
    if (shell === undefined) {
      const source = side === 'running' ? running.source : next.source;
      shell = fingerprint(maskedTokens(source, container.start, container.end, container.children));
      shells[side].set(container, shell);
    }
    return shell;
  };

  const statements = alignStatements(running, next);

  const pair = (r: Entry, n: Entry, reliable: boolean): void => {
    const found: Pair = { running: r, next: n, reliable };
    pairs.push(found);
    byRunning.set(r, found);
    byNext.set(n, found);
    matchChildren(r, n, reliable);
  };

  const matchChildren = (r: Container, n: Container, reliable: boolean): void => {
    // Named children: by name, and only with their own kind (a function never pairs with a class).
    const nextNamed = new Map(n.children.filter((c) => c.label !== '').map((c) => [`${c.type} ${c.rel}`, c]));
    const pairedNext = new Set<Entry>();
    for (const child of r.children) {
      if (child.label === '') continue;
      const other = nextNamed.get(`${child.type} ${child.rel}`);
      if (other === undefined) {
        removed.push(child);
      } else {
        pairedNext.add(other);
        pair(child, other, reliable);
      }
    }
    for (const child of n.children) if (child.label !== '' && !pairedNext.has(child)) added.push(child);

    if (r.type === 'program') {
      const rs = anonymousByStatement(r.children);
      const ns = anonymousByStatement(n.children);
      for (const aligned of statements) {
        if (aligned.running === undefined || aligned.next === undefined) continue;
        pairAnonymous(rs.get(aligned.running) ?? [], ns.get(aligned.next) ?? [], reliable && aligned.same);
      }
      // Anonymous children of statements added or removed are reported with those statements.
      return;
    }
    const rs = r.children.filter((c) => c.label === '');
    const ns = n.children.filter((c) => c.label === '');
    if (rs.length > 0 || ns.length > 0) pairAnonymous(rs, ns, reliable && shellOf('running', r) === shellOf('next', n));
  };

  const pairAnonymous = (rs: readonly Entry[], ns: readonly Entry[], exact: boolean): void => {
    if (exact && rs.length === ns.length) {
      rs.forEach((child, k) => {
        const other = ns[k];
        if (other !== undefined && other.type === child.type) pair(child, other, true);
      });
      return;
    }
    const texts = (side: Side, entries: readonly Entry[]): string[] =>
      entries.map((e) => `${e.type}\u0002${fingerprint(maskedTokens(side.source, e.start, e.end, []))}`);
    for (const aligned of align(texts(running, rs), texts(next, ns))) {
      const r = aligned.running === undefined ? undefined : rs[aligned.running];
      const n = aligned.next === undefined ? undefined : ns[aligned.next];
      if (r !== undefined && n !== undefined && r.type === n.type) pair(r, n, false);
    }
  };

  matchChildren(running.inventory.root, next.inventory.root, true);
  return { pairs, byRunning, byNext, added, removed, statements, shellOf };
}

/** Whether a paired function or class differs at all (whitespace and comments aside). */
export function changed(running: Side, next: Side, pair: Pair): boolean {
  return !sameTokens(running.source, pair.running.start, pair.running.end, next.source, pair.next.start, pair.next.end);
}

function anonymousByStatement(children: readonly Entry[]): Map<number, Entry[]> {
  const groups = new Map<number, Entry[]>();
  for (const child of children) {
    if (child.label !== '') continue;
    const group = groups.get(child.statement) ?? [];
    group.push(child);
    groups.set(child.statement, group);
  }
  return groups;
}

/** Top-level statements aligned by their shells, so that unchanged statements pair exactly. */
function alignStatements(running: Side, next: Side): Aligned[] {
  const shells = (side: Side): string[] => {
    const children = new Map<number, Entry[]>();
    for (const child of side.inventory.root.children) children.set(child.statement, [...(children.get(child.statement) ?? []), child]);
    return side.source.program.body.map((statement, index) =>
      fingerprint(maskedTokens(side.source, statement.start, statement.end, children.get(index) ?? [])),
    );
  };
  return align(shells(running), shells(next));
}
