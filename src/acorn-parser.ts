/**
 * acorn, with its scope checks made linear. acorn keeps the names declared in a scope in plain
 * arrays and looks each new declaration (and each name of an `export { ... }` list) up with
 * `indexOf`, so a module of n top-level declarations costs n² comparisons: 3 s of the 3.1 s it took
 * to parse a 1.5 MB module of 11,000 functions, the kind of module a save re-plans. Here each
 * scope's lists answer `indexOf` from a map of first positions instead: the same answers (acorn
 * only pushes to these lists, reads `indexOf` and `[0]`), so the same errors for the same code.
 */
import { Parser, type Options, type Program } from 'acorn';

/** A list of names whose `indexOf(name)` is a map lookup. */
class IndexedNames extends Array<string> {
  // Built with `new IndexedNames()` only; map() and friends must make plain arrays.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  readonly #first = new Map<string, number>();

  override push(...names: string[]): number {
    for (const name of names) {
      if (!this.#first.has(name)) this.#first.set(name, this.length);
      super.push(name);
    }
    return this.length;
  }

  override indexOf(name: string, fromIndex?: number): number {
    if (fromIndex !== undefined && fromIndex !== 0) return super.indexOf(name, fromIndex);
    return this.#first.get(name) ?? -1;
  }
}

/** What acorn's parser has that its type declarations leave out: its scope stack. */
interface ScopeTracking {
  enterScope(flags: number): void;
  currentScope(): { var: string[]; lexical: string[]; functions: string[] };
}

const LinearScopeParser = Parser.extend((Base) => {
  const WithScopes = Base as unknown as new (...args: unknown[]) => ScopeTracking;
  return class extends WithScopes {
    override enterScope(flags: number): void {
      super.enterScope(flags);
      const scope = this.currentScope();
      scope.var = new IndexedNames();
      scope.lexical = new IndexedNames();
      scope.functions = new IndexedNames();
    }
  } as unknown as typeof Parser;
});

/** acorn's `parse`, linear in the number of names a scope declares. */
export function parse(input: string, options: Options): Program {
  return LinearScopeParser.parse(input, options);
}
