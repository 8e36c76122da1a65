/** JavaScript identifiers in generated code: which names can be written bare, and fresh local names. */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

// Reserved words and names with a special meaning where generated code declares its bindings.
const RESERVED = new Set(
  (
    'await break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if implements import in instanceof interface let new null package private protected public return static ' +
    'super switch this throw true try typeof var void while with yield arguments eval undefined'
  ).split(' '),
);

/** An ASCII identifier name (the only names the live scan accepts and generated code writes bare). */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** A key of an object literal: bare, except `__proto__`, which as a bare key would set the prototype. */
export function objectKey(name: string): string {
  return name === '__proto__' ? `[${JSON.stringify(name)}]` : name;
}

/** Hands out local binding names that are valid, not reserved and unique within one generated module. */
export class IdentifierPool {
  private readonly taken: Set<string>;

  constructor(reserved: readonly string[] = []) {
    this.taken = new Set(reserved);
  }

  /** `wanted` made into an identifier (`my-plugin` → `my_plugin`), suffixed `_2`, `_3`… when taken. */
  take(wanted: string): string {
    let base = wanted.replace(/[^A-Za-z0-9_$]/g, '_');
    if (!IDENTIFIER.test(base)) base = `_${base}`;
    let name = base;
    for (let n = 2; this.taken.has(name) || RESERVED.has(name); n++) name = `${base}_${n}`;
    this.taken.add(name);
    return name;
  }
}
