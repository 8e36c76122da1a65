/**
 * The text `Function.prototype.toString()` returns for each function of a source, as V8 computes
 * it (ES2019): a function or arrow from its first token (`async`, `function`) to its end; a method,
 * getter or setter from its first token after `static` (`async *m() {}`, `get x() {}`, `#p() {}`);
 * a class (whose constructor is the class) as the whole class. A class with instance fields also
 * has a hidden initializer function, run by its constructor: its text is the whole class on Node 20
 * and runs from its first instance field to the end of its last one on Node 24 (both are listed).
 * Verification compares these texts with what the live functions of the heap return.
 *
 * Each function has a `key`, what its own code is, to tell which functions an edit changed: its
 * text, except that a class constructor's own code leaves out its methods and fields (each method is
 * a function of its own; the fields are the initializer's code), and the initializer's own code is
 * its instance fields. That matters on Node 20, where LiveEdit leaves a class with fields attached
 * to a copy of the old script when its methods or fields change: harmless, since the constructor
 * runs the (replaced) initializer and the methods are replaced one by one (measured).
 */
import type { Node } from 'acorn';
import { parse } from '../acorn-parser.js';

export type SourceType = 'module' | 'script';

/** A class constructor (its text starts with `class` and it has its own `prototype`), or any other function. */
export type FunctionRole = 'class' | 'function';

export interface FunctionText {
  /** Qualified name for messages: `name`, `Class.method`, `Class.get x`, `outer.inner`, `<anonymous>`. */
  readonly name: string;
  readonly role: FunctionRole;
  readonly text: string;
  /** What the function's own code is: two functions with the same key run the same code. */
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
  const add = (name: string[], text: string, key: string, fn: AnyNode, role: FunctionRole = 'function'): void => {
    found.push({ name: name.join('.'), role, text, key: `${role}:${key}`, suspendable: fn['async'] === true || fn['generator'] === true });
  };
  const addMethod = (name: string[], member: AnyNode, fn: AnyNode): void => {
    const text = source.slice(member.start, member.end);
    const stripped = member['static'] === true ? text.slice(STATIC_PREFIX.exec(text)?.[0].length ?? 0) : text;
    add(name, stripped, stripped, fn);
  };
  const addClass = (node: AnyNode, name: string[]): void => {
    const members = ((node['body'] as AnyNode)['body'] as AnyNode[]) ?? [];
    const text = source.slice(node.start, node.end);
    const others = members.filter((m) => !(m.type === 'MethodDefinition' && m['kind'] === 'constructor')).map((m) => [m.start, m.end] as const);
    add(name, text, blank(source, node.start, node.end, others), node, 'class');
    const fields = members.filter((m) => m.type === 'PropertyDefinition' && m['static'] !== true);
    const first = fields[0];
    const last = fields[fields.length - 1];
    if (first === undefined || last === undefined) return;
    const own = fields.map((f) => source.slice(f.start, f.end)).join('\0');
    const initializer = [...name, '<fields>'];
    add(initializer, text, own, node);
    // Node 24's text: first field to last, without the last `;`.
    add(initializer, source.slice(first.start, last.end).replace(/\s*;\s*$/, ''), own, node);
  };

  const visit = (node: AnyNode, parent: AnyNode | undefined, path: string[]): void => {
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const inner = [...path, ownName(node, parent)];
        const text = source.slice(node.start, node.end);
        add(inner, text, text, node);
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
        if (kind !== 'constructor') addMethod(inner, node, value);
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

/** How verification names a text it looks for: the role's letter, then the text. */
export function staleKey(role: FunctionRole, text: string): string {
  return `${role === 'class' ? 'c' : 'f'}${text}`;
}

/** What a change from one source to another leaves to verify. */
export interface ChangedFunctions {
  /**
   * The functions of `from` whose own code (`key`) `to` has fewer of (by count, so an edited copy
   * of a function whose twin is unchanged still counts), by `staleKey`, mapped to a name: a live
   * function still returning one of these texts after the edit, and not located in current code,
   * runs the code the edit replaced.
   */
  readonly stale: ReadonlyMap<string, string>;
  /** Names of the changed async functions and generators (what a "blocked" refusal is about). */
  readonly suspendable: readonly string[];
}

/**
 * @param earlier older sources of the same script that the engine replaced before: a function left
 * on a copy of one of them (harmless then, its own code unchanged) counts when `to` changes its own
 * code.
 */
export function changedFunctions(from: string, to: string, sourceType: SourceType, earlier: readonly string[] = []): ChangedFunctions {
  const after = new Map<string, number>();
  for (const fn of functionTexts(to, sourceType)) after.set(fn.key, (after.get(fn.key) ?? 0) + 1);
  const current = new Set(after.keys());
  const stale = new Map<string, string>();
  const suspendable: string[] = [];
  for (const fn of functionTexts(from, sourceType)) {
    const left = after.get(fn.key) ?? 0;
    if (left > 0) {
      after.set(fn.key, left - 1);
      continue;
    }
    const key = staleKey(fn.role, fn.text);
    if (!stale.has(key)) stale.set(key, fn.name);
    if (fn.suspendable && !suspendable.includes(fn.name)) suspendable.push(fn.name);
  }
  for (const source of earlier) {
    for (const fn of functionTexts(source, sourceType)) {
      const key = staleKey(fn.role, fn.text);
      if (!current.has(fn.key) && !stale.has(key)) stale.set(key, fn.name);
    }
  }
  return { stale, suspendable };
}
