/**
 * The live names one module exports, read from its JavaScript (esbuild has already removed the
 * TypeScript, so type-only exports are gone) with a real parser: a regular expression would be
 * fooled by comments, strings and template literals.
 */
import type { Declaration, Expression, Identifier, Literal, Program } from 'acorn';
import { parse } from '../acorn-parser.js';
import { isIdentifier } from './identifiers.js';

/** A live function is an exported function; a live type is an exported class. */
export type LiveKind = 'function' | 'type';

export interface LiveExport {
  readonly name: string;
  readonly kind: LiveKind;
}

export interface ModuleExports {
  /** Exported functions and classes whose name starts with the prefix, in the order the code exports them. */
  readonly live: readonly LiveExport[];
  /**
   * Exported names that start with the prefix but are not a function or class declared in this
   * module (`export const LIVE_TIMEOUT = 5`, `export const live_x = wrap(fn)`, an exported import):
   * not live, worth a debug line.
   */
  readonly ignored: readonly string[];
  /** Whether the module has a default export (the root module's `definePlugin({...})`). */
  readonly hasDefault: boolean;
}

/** Whether `name` is a live name for `prefix`: starts with it ignoring case, and has more after it. */
export function hasLivePrefix(name: string, prefix: string): boolean {
  return name.length > prefix.length && name.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase();
}

/**
 * Parses an ES module and returns its live exports. Only declarations of the module itself count:
 * `export function`, `export class`, `export const x = () => …` / `= function` / `= class`, and
 * `export { local as name }` of such a declaration. A re-export (`export { x } from`, `export *`)
 * or an exported import is found in the module that declares it, so it is not counted twice.
 * @throws SyntaxError (from acorn) when `code` is not a valid ES module
 */
export function scanModuleExports(code: string, prefix: string): ModuleExports {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
  const declared = topLevelDeclarations(program);
  const live: LiveExport[] = [];
  const ignored: string[] = [];
  let hasDefault = false;

  const exported = (name: string, local: string | undefined): void => {
    if (name === 'default') hasDefault = true;
    if (!isIdentifier(name) || !hasLivePrefix(name, prefix)) return;
    const kind = local === undefined ? undefined : declared.get(local);
    if (kind === undefined) ignored.push(name);
    else live.push({ name, kind });
  };

  for (const statement of program.body) {
    if (statement.type === 'ExportDefaultDeclaration') {
      hasDefault = true;
    } else if (statement.type === 'ExportNamedDeclaration') {
      if (statement.declaration) {
        for (const name of declaredNames(statement.declaration)) exported(name, name);
      } else if (statement.source) {
        // A re-export: the declaring module is scanned on its own; only `default` matters here.
        if (statement.specifiers.some((s) => nameOf(s.exported) === 'default')) hasDefault = true;
      } else {
        for (const specifier of statement.specifiers) exported(nameOf(specifier.exported), nameOf(specifier.local));
      }
    }
  }
  return { live, ignored, hasDefault };
}

function nameOf(node: Identifier | Literal): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

/** Top-level bindings that are functions or classes, whether exported where declared or not. */
function topLevelDeclarations(program: Program): Map<string, LiveKind> {
  const kinds = new Map<string, LiveKind>();
  for (const statement of program.body) {
    // `export default function name() {}` binds `name` too.
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement;
    if (declaration === null || declaration === undefined) continue;
    if (declaration.type === 'FunctionDeclaration' && declaration.id) kinds.set(declaration.id.name, 'function');
    else if (declaration.type === 'ClassDeclaration' && declaration.id) kinds.set(declaration.id.name, 'type');
    // `let`/`var` bindings can be reassigned to anything after the build looked at them.
    else if (declaration.type === 'VariableDeclaration' && declaration.kind === 'const') {
      for (const declarator of declaration.declarations) {
        const kind = kindOfExpression(declarator.init);
        if (declarator.id.type === 'Identifier' && kind !== undefined) kinds.set(declarator.id.name, kind);
      }
    }
  }
  return kinds;
}

function kindOfExpression(init: Expression | null | undefined): LiveKind | undefined {
  if (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression') return 'function';
  if (init?.type === 'ClassExpression') return 'type';
  return undefined;
}

/** The names an exported declaration binds (destructuring patterns bind no live names). */
function declaredNames(declaration: Declaration): string[] {
  if (declaration.type === 'VariableDeclaration') {
    return declaration.declarations.flatMap((d) => (d.id.type === 'Identifier' ? [d.id.name] : []));
  }
  return [declaration.id.name];
}
