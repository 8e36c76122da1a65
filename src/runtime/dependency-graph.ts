/**
 * The plugins of one generation as a dependency graph (`import: [...]`): load order, the plugins a
 * rebuilt plugin drags along, and the three errors a graph can have.
 */
import { CyclicDependencyError, ReloadableDependencyError, UnknownDependencyError } from '../errors.js';

export interface GraphNode {
  readonly name: string;
  readonly imports: readonly string[];
  readonly reloadable: boolean;
}

/**
 * Plugins in dependency order (a plugin after everything it imports; otherwise by the input order,
 * which is by name). Throws for an unknown dependency, a cycle (named in full, `a -> b -> a`), or a
 * not-reloadable plugin importing a reloadable one.
 */
export function dependencyOrder(nodes: readonly GraphNode[]): string[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const node of nodes) {
    for (const dep of node.imports) {
      const target = byName.get(dep);
      if (target === undefined) throw new UnknownDependencyError(node.name, dep);
      if (!node.reloadable && target.reloadable) throw new ReloadableDependencyError(node.name, dep);
    }
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new CyclicDependencyError([...path.slice(path.indexOf(name)), name]);
    }
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of byName.get(name)?.imports ?? []) visit(dep);
    path.pop();
    state.set(name, 'done');
    order.push(name);
  };
  for (const node of nodes) visit(node.name);
  return order;
}

/** `changed` plus every plugin that imports one of them, directly or not. */
export function withDependents(nodes: readonly GraphNode[], changed: ReadonlySet<string>): Set<string> {
  const result = new Set(changed);
  let grew = true;
  while (grew) {
    grew = false;
    for (const node of nodes) {
      if (!result.has(node.name) && node.imports.some((dep) => result.has(dep))) {
        result.add(node.name);
        grew = true;
      }
    }
  }
  return result;
}
