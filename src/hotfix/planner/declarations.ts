/**
 * The names a body declares before any of it runs (hoisting): its lexical declarations, and its
 * `var` declarations wherever they are, nested blocks included but not nested functions.
 */
import type { AnyNode, ModuleDeclaration, Statement } from 'acorn';
import { patternIdentifiers } from './syntax.js';

export type DeclarationKind = 'var' | 'let' | 'const' | 'function' | 'class' | 'import';

export interface Declared {
  readonly name: string;
  readonly kind: DeclarationKind;
  /** Where the name is written. */
  readonly start: number;
  readonly exported: boolean;
}

/** `let`, `const`, classes, imports, and function declarations (which are var-like at function level). */
export function lexicalDeclarations(statements: readonly (Statement | ModuleDeclaration)[]): Declared[] {
  const found: Declared[] = [];
  for (const statement of statements) {
    const exported = statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration';
    const declaration = exported ? statement.declaration : statement;
    if (declaration === null || declaration === undefined) continue;
    if (declaration.type === 'VariableDeclaration' && declaration.kind !== 'var') {
      const kind = declaration.kind === 'const' ? 'const' : 'let';
      for (const declarator of declaration.declarations) {
        for (const id of patternIdentifiers(declarator.id)) found.push({ name: id.name, kind, start: id.start, exported });
      }
    } else if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id) {
      const kind = declaration.type === 'FunctionDeclaration' ? 'function' : 'class';
      found.push({ name: declaration.id.name, kind, start: declaration.id.start, exported });
    } else if (declaration.type === 'ImportDeclaration') {
      for (const specifier of declaration.specifiers) {
        found.push({ name: specifier.local.name, kind: 'import', start: specifier.local.start, exported: false });
      }
    }
  }
  return found;
}

/** `var` declarations of a function body, a static block or the program. */
export function varDeclarations(node: AnyNode | null | undefined, found: Declared[] = [], exported = false): Declared[] {
  if (node === null || node === undefined) return found;
  switch (node.type) {
    case 'VariableDeclaration':
      if (node.kind !== 'var') break;
      for (const declarator of node.declarations) {
        for (const id of patternIdentifiers(declarator.id)) found.push({ name: id.name, kind: 'var', start: id.start, exported });
      }
      break;
    case 'ExportNamedDeclaration':
      varDeclarations(node.declaration, found, true);
      break;
    case 'Program':
    case 'BlockStatement':
    case 'StaticBlock':
      for (const statement of node.body) varDeclarations(statement, found);
      break;
    case 'IfStatement':
      varDeclarations(node.consequent, found);
      varDeclarations(node.alternate, found);
      break;
    case 'ForStatement':
      varDeclarations(node.init, found);
      varDeclarations(node.body, found);
      break;
    case 'ForInStatement':
    case 'ForOfStatement':
      varDeclarations(node.left, found);
      varDeclarations(node.body, found);
      break;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
    case 'WithStatement':
      varDeclarations(node.body, found);
      break;
    case 'TryStatement':
      varDeclarations(node.block, found);
      varDeclarations(node.handler?.body, found);
      varDeclarations(node.finalizer, found);
      break;
    case 'SwitchStatement':
      for (const branch of node.cases) for (const statement of branch.consequent) varDeclarations(statement, found);
      break;
    default:
      break;
  }
  return found;
}
