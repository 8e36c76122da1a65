/**
 * Small helpers over acorn's ESTree nodes, shared by the inventory and the scope analysis.
 */
import type {
  AnonymousFunctionDeclaration,
  AnyNode,
  ArrowFunctionExpression,
  Class,
  Expression,
  FunctionDeclaration,
  FunctionExpression,
  Identifier,
  Pattern,
  PrivateIdentifier,
} from 'acorn';

export type FunctionNode = FunctionDeclaration | AnonymousFunctionDeclaration | FunctionExpression | ArrowFunctionExpression;
export type ClassNode = Class & { readonly type: 'ClassDeclaration' | 'ClassExpression' };

export function isFunctionNode(node: AnyNode | null | undefined): node is FunctionNode {
  return (
    node?.type === 'FunctionDeclaration' || node?.type === 'FunctionExpression' || node?.type === 'ArrowFunctionExpression'
  );
}

export function isClassNode(node: AnyNode | null | undefined): node is ClassNode {
  return node?.type === 'ClassDeclaration' || node?.type === 'ClassExpression';
}

/**
 * Calls `visit` with each child node of a node. Generic on purpose: every place that gives a child
 * a special meaning (a property key, a declared name) handles that node type before falling back
 * here. Children come in acorn's property order, which is the same for both versions of a file.
 */
export function forEachChild(node: AnyNode, visit: (child: AnyNode) => void): void {
  // A plain loop without allocations: this runs once per node of files of megabytes.
  const record = node as unknown as Record<string, unknown>;
  for (const key in record) {
    if (key === 'loc' || key === 'range' || key === 'regex' || key === 'type') continue;
    const value = record[key];
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (isNode(item)) visit(item);
    } else if (isNode(value)) {
      visit(value);
    }
  }
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/**
 * The name a property, method or field key gives, as the qualified names write it: an identifier
 * or `#private` as is, a string that is not an identifier quoted, a computed key as `[source]`.
 */
export function keyName(key: Expression | PrivateIdentifier, computed: boolean, text: string): string {
  if (!computed) {
    if (key.type === 'Identifier') return key.name;
    if (key.type === 'PrivateIdentifier') return `#${key.name}`;
    if (key.type === 'Literal') {
      const value = typeof key.value === 'string' ? key.value : String(key.value);
      return /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(value) ? value : JSON.stringify(value);
    }
  }
  return `[${text.slice(key.start, key.end).replace(/\s+/g, ' ')}]`;
}

/** The identifiers a binding pattern declares (`a`, `{ b, c: [d] }`, `...rest`, `e = 1`). */
export function patternIdentifiers(pattern: Pattern, found: Identifier[] = []): Identifier[] {
  switch (pattern.type) {
    case 'Identifier':
      found.push(pattern);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        patternIdentifiers(property.type === 'RestElement' ? property.argument : property.value, found);
      }
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) patternIdentifiers(element, found);
      break;
    case 'RestElement':
      patternIdentifiers(pattern.argument, found);
      break;
    case 'AssignmentPattern':
      patternIdentifiers(pattern.left, found);
      break;
    case 'MemberExpression':
      break;
  }
  return found;
}
