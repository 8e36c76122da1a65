/**
 * The text `Function.prototype.toString()` returns for each function of a source, as V8 computes
 * it (ES2019): a function or arrow from its first token (`async`, `function`) to its end; a method,
 * getter or setter from its first token after `static` (`async *m() {}`, `get x() {}`, `#p() {}`);
 * a class (whose constructor is the class) as the whole class; and a class's hidden instance-field
 * initializer as the whole class on Node 20, and from its first instance field to the end of its
 * last one on Node 24 (both are listed). Verification compares these with what the live functions
 * of the heap return.
 *
 * A class's own code is its constructor and its fields, not its methods (each method is a function
 * of its own, replaced and verified on its own): its `key` is its text with its methods blanked out,
 * so that editing a method does not count as changing the class. That matters on Node 20, where
 * LiveEdit leaves a class with fields attached to the old script when only a method changed, which
 * is harmless, since the class's own code is the same.
 */
import { parse, type Node } from 'acorn';

export type SourceType = 'module' | 'script';

export interface FunctionText {
  /** Qualified name for messages: `name`, `Class.method`, `Class.get x`, `outer.inner`, `<anonymous>`. */
  readonly name: string;
  readonly text: string;
  /** What decides whether the function's own code changed: its text, with a class's methods blanked out. */
  readonly key: string;
  /** An async function or a generator: one V8 refuses to replace while it is suspended. */
  readonly suspendable: boolean;
}

type AnyNode = Node & Record<string, unknown>;

const STATIC_PREFIX = /^static(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*\n)*/;

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function keyName(key: unknown, computed: unknown): string {
  if (computed === true) return '[computed]';
  if (!isNode(key)) return '<anonymous>';
  if (key.type === 'Identifier') return key['name'] as string;
  if (key.type === 'PrivateIdentifier') return `#${key['name'] as string}`;
  if (key.type === 'Literal') return String(key['value']);
  return '<anonymous>';
}

function ownName(node: AnyNode, parent: AnyNode | undefined): string {
  const id = node['id'];
  if (isNode(id) && id.type === 'Identifier') return id['name'] as string;
  if (parent === undefined) return '<anonymous>';
  if (parent.type === 'VariableDeclarator' && isNode(parent['id']) && parent['id'].type === 'Identifier') {
    return parent['id']['name'] as string;
  }
  if ((parent.type === 'Property' || parent.type === 'PropertyDefinition') && parent['value'] === node) {
    return keyName(parent['key'], parent['computed']);
  }
  if (parent.type === 'AssignmentExpression' && isNode(parent['left'])) {
    const left = parent['left'];
    if (left.type === 'Identifier') return left['name'] as string;
    if (left.type === 'MemberExpression') return keyName(left['property'], left['computed']);
  }
  if (parent.type === 'ExportDefaultDeclaration') return 'default';
  return '<anonymous>';
}

/** Every function of `source` with its toString text. @throws SyntaxError when acorn cannot parse it */
export function functionTexts(source: string, sourceType: SourceType): FunctionText[] {
  const program = parse(source, {
    ecmaVersion: 'latest',
    sourceType,
    allowHashBang: true,
    allowReturnOutsideFunction: sourceType === 'script',
  }) as unknown as AnyNode;
  const found: FunctionText[] = [];
  const add = (name: string[], start: number, end: number, fn: AnyNode, stripStatic: boolean, blanks: ReadonlyArray<readonly [number, number]> = []): void => {
    let text = source.slice(start, end);
    let key = blank(source, start, end, blanks);
    if (stripStatic) {
      const prefix = STATIC_PREFIX.exec(text)?.[0].length ?? 0;
      text = text.slice(prefix);
      key = key.slice(prefix);
    }
    found.push({ name: name.join('.'), text, key, suspendable: fn['async'] === true || fn['generator'] === true });
  };
  const addClass = (node: AnyNode, name: string[]): void => {
    const members = ((node['body'] as AnyNode)['body'] as AnyNode[]) ?? [];
    const methods = members.filter((m) => m.type === 'MethodDefinition' && m['kind'] !== 'constructor').map((m) => [m.start, m.end] as const);
    add(name, node.start, node.end, node, false, methods);
    const fields = members.filter((m) => m.type === 'PropertyDefinition' && m['static'] !== true);
    const first = fields[0];
    const last = fields[fields.length - 1];
    if (first !== undefined && last !== undefined) {
      // Node 24's text of the instance-field initializer: first field to last, without the last `;`.
      const end = first.start + source.slice(first.start, last.end).replace(/\s*;\s*$/, '').length;
      add([...name, '<fields>'], first.start, end, node, false, methods);
    }
  };

  const visit = (node: AnyNode, parent: AnyNode | undefined, path: string[]): void => {
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const inner = [...path, ownName(node, parent)];
        add(inner, node.start, node.end, node, false);
        return visitChildren(node, inner);
      }
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const inner = [...path, ownName(node, parent)];
        addClass(node, inner);
        return visitChildren(node, inner);
      }
      case 'MethodDefinition':
      case 'Property': {
        const value = node['value'];
        const kind = node['kind'] as string;
        const isMethod = node.type === 'MethodDefinition' || node['method'] === true || kind === 'get' || kind === 'set';
        if (!isMethod || !isNode(value)) break;
        const name = (kind === 'get' || kind === 'set' ? `${kind} ` : '') + keyName(node['key'], node['computed']);
        const inner = [...path, name];
        // A constructor's function is its class: the class's text covers it.
        if (kind !== 'constructor') add(inner, node.start, node.end, value, node['static'] === true);
        if (node['computed'] === true && isNode(node['key'])) visit(node['key'], node, path);
        return visitChildren(value, inner);
      }
    }
    visitChildren(node, path);
  };

  const visitChildren = (node: AnyNode, path: string[]): void => {
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item, node, path);
      } else if (isNode(value)) {
        visit(value, node, path);
      }
    }
  };

  visit(program, undefined, []);
  return found;
}

/** `source[start, end)` with the ranges of `blanks` (inside it) replaced by one NUL each. */
function blank(source: string, start: number, end: number, blanks: ReadonlyArray<readonly [number, number]>): string {
  let out = '';
  let at = start;
  for (const [from, to] of blanks) {
    if (from < at || to > end) continue;
    out += source.slice(at, from) + '\0';
    at = to;
  }
  return out + source.slice(at, end);
}

/** What a change from one source to another leaves to verify. */
export interface ChangedFunctions {
  /**
   * toString texts of the functions of `from` whose own code (`key`) `to` has fewer of (by count,
   * so an edited copy of a function whose twin is unchanged still counts), mapped to a name: a live function still returning one
   * of them after the edit, and not located in a current script, runs the code the edit replaced.
   */
  readonly stale: ReadonlyMap<string, string>;
  /** Names of the changed async functions and generators (what a "blocked" refusal is about). */
  readonly suspendable: readonly string[];
}

export function changedFunctions(from: string, to: string, sourceType: SourceType): ChangedFunctions {
  const before = functionTexts(from, sourceType);
  const after = new Map<string, number>();
  for (const fn of functionTexts(to, sourceType)) after.set(fn.key, (after.get(fn.key) ?? 0) + 1);
  const stale = new Map<string, string>();
  const suspendable: string[] = [];
  for (const fn of before) {
    const left = after.get(fn.key) ?? 0;
    if (left > 0) {
      after.set(fn.key, left - 1);
      continue;
    }
    if (!stale.has(fn.text)) stale.set(fn.text, fn.name);
    if (fn.suspendable) suspendable.push(fn.name);
  }
  return { stale, suspendable };
}
