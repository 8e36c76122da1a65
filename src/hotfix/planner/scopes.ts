/**
 * Scope analysis: every binding of a source, every reference to one, and which bindings closures
 * capture. V8 keeps a variable in a context (where closures reach it) only while some closure uses
 * it; otherwise the variable lives on the stack. LiveEdit reports success but leaves functions on
 * their old code when a patch changes that choice, so the planner compares captures before and after.
 *
 * Besides variables, a scope holds what closures capture implicitly: `this`, `arguments` and
 * `new.target` of a function that is not an arrow, and `<home>` / `<static home>`, the home object
 * of a class that `super` reads.
 */
import type { AnyNode, Pattern, Program, Statement, ModuleDeclaration, VariableDeclaration } from 'acorn';
import type { SourceType } from './parse.js';
import { lexicalDeclarations, varDeclarations } from './declarations.js';
import { forEachChild, patternIdentifiers, type ClassNode, type FunctionNode } from './syntax.js';

export type ScopeKind = 'module' | 'function' | 'fields' | 'static-block' | 'class' | 'block';

export interface Scope {
  readonly kind: ScopeKind;
  /** The program, function, class (also for its `fields` scopes), static block or block that makes it. */
  readonly node: AnyNode;
  /** For `fields`: the initialisers of static fields rather than instance fields. */
  readonly isStatic: boolean;
  readonly parent: Scope | undefined;
  /** Nearest scope that runs as a function of its own (module, function, fields, static block). */
  readonly owner: Scope;
  /** Where its captured variables live: itself, or for a block, the nearest scope that is not one. */
  readonly layout: Scope;
  readonly arrow: boolean;
  /** For a method and what else `super` works in: the pseudo-binding `super` reads. */
  readonly home: string | undefined;
  readonly bindings: Map<string, Binding>;
}

export type BindingKind = 'var' | 'let' | 'const' | 'function' | 'class' | 'param' | 'import' | 'catch' | 'implicit' | 'self';

export interface Binding {
  readonly name: string;
  readonly scope: Scope;
  readonly kind: BindingKind;
  /** Where it is declared, or -1 for an implicit one. */
  readonly start: number;
  /** Exported from an ES module: a module cell, not a context slot. */
  exported: boolean;
  /** Used by a function other than the one whose scope declares it. */
  captured: boolean;
}

export interface Reference {
  readonly name: string;
  readonly start: number;
  readonly scope: Scope;
  binding: Binding | undefined;
}

export interface ScopeAnalysis {
  readonly module: Scope;
  readonly scopes: readonly Scope[];
  readonly references: readonly Reference[];
}

/** The parameters Node's CommonJS wrapper gives a script, plus the wrapper's own `this` and `arguments`. */
const COMMONJS_WRAPPER = ['exports', 'require', 'module', '__filename', '__dirname', 'this', 'arguments'];
const FUNCTION_IMPLICIT = ['this', 'arguments', 'new.target'];
const FIELDS_IMPLICIT = ['this', 'new.target'];

export function analyzeScopes(program: Program, sourceType: SourceType): ScopeAnalysis {
  const scopes: Scope[] = [];
  const references: Reference[] = [];
  const exportedNames: Reference[] = [];

  const newScope = (kind: ScopeKind, node: AnyNode, parent: Scope | undefined, options: { arrow?: boolean; home?: string | undefined; isStatic?: boolean } = {}): Scope => {
    const ownsFunction = kind === 'module' || kind === 'function' || kind === 'fields' || kind === 'static-block';
    const scope = {
      kind,
      node,
      isStatic: options.isStatic ?? false,
      parent,
      arrow: options.arrow ?? false,
      home: options.home,
      bindings: new Map<string, Binding>(),
    } as { -readonly [K in keyof Scope]: Scope[K] };
    scope.owner = ownsFunction || parent === undefined ? scope : parent.owner;
    scope.layout = kind === 'block' && parent !== undefined ? parent.layout : scope;
    scopes.push(scope);
    return scope;
  };

  const declare = (scope: Scope, name: string, kind: BindingKind, start: number, exported = false): void => {
    // The first declaration wins: `var x` after a parameter x, or a function after a var, is one binding.
    if (!scope.bindings.has(name)) scope.bindings.set(name, { name, scope, kind, start, exported, captured: false });
  };

  const declarePattern = (scope: Scope, pattern: Pattern, kind: BindingKind, exported = false): void => {
    for (const identifier of patternIdentifiers(pattern)) declare(scope, identifier.name, kind, identifier.start, exported);
  };

  const reference = (name: string, start: number, scope: Scope): Reference => {
    const found: Reference = { name, start, scope, binding: undefined };
    references.push(found);
    return found;
  };

  /** Hoisting: what a body declares, in its scope, before any of it runs. */
  const declareLexical = (scope: Scope, statements: readonly (Statement | ModuleDeclaration)[]): void => {
    for (const d of lexicalDeclarations(statements)) declare(scope, d.name, d.kind, d.start, d.exported);
  };
  const declareVars = (scope: Scope, node: AnyNode): void => {
    for (const d of varDeclarations(node)) declare(scope, d.name, d.kind, d.start, d.exported);
  };

  const visitStatements = (statements: readonly AnyNode[], scope: Scope): void => {
    for (const statement of statements) visit(statement, scope);
  };

  /** A binding pattern: the names are declarations; defaults and computed keys are expressions. */
  const visitPattern = (pattern: Pattern, scope: Scope, assigns: boolean): void => {
    switch (pattern.type) {
      case 'Identifier':
        if (assigns) reference(pattern.name, pattern.start, scope);
        return;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            visitPattern(property.argument, scope, assigns);
          } else {
            if (property.computed) visit(property.key, scope);
            visitPattern(property.value, scope, assigns);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of pattern.elements) if (element) visitPattern(element, scope, assigns);
        return;
      case 'RestElement':
        visitPattern(pattern.argument, scope, assigns);
        return;
      case 'AssignmentPattern':
        visitPattern(pattern.left, scope, assigns);
        visit(pattern.right, scope);
        return;
      case 'MemberExpression':
        visit(pattern, scope);
        return;
    }
  };

  const visitDeclaration = (declaration: VariableDeclaration, scope: Scope): void => {
    for (const declarator of declaration.declarations) {
      visitPattern(declarator.id, scope, false);
      if (declarator.init) visit(declarator.init, scope);
    }
  };

  const visitFunction = (node: FunctionNode, parent: Scope, home: string | undefined, objectMethod = false): void => {
    const arrow = node.type === 'ArrowFunctionExpression';
    const scope = newScope('function', node, parent, { arrow, home: arrow ? undefined : objectMethod ? '<home>' : home });
    for (const param of node.params) declarePattern(scope, param, 'param');
    if (!arrow) for (const name of FUNCTION_IMPLICIT) declare(scope, name, 'implicit', -1);
    // An object literal's method keeps its own home object; a class method reads the class's.
    if (objectMethod) declare(scope, '<home>', 'implicit', -1);
    if (node.type === 'FunctionExpression' && node.id) declare(scope, node.id.name, 'self', node.id.start);
    for (const param of node.params) visitPattern(param, scope, false);
    if (node.body.type === 'BlockStatement') {
      declareVars(scope, node.body);
      declareLexical(scope, node.body.body);
      visitStatements(node.body.body, scope);
    } else {
      visit(node.body, scope);
    }
  };

  const visitClass = (node: ClassNode, parent: Scope): void => {
    if (node.superClass) visit(node.superClass, parent);
    const scope = newScope('class', node, parent);
    if (node.id) declare(scope, node.id.name, 'class', node.id.start);
    declare(scope, '<home>', 'implicit', -1);
    declare(scope, '<static home>', 'implicit', -1);
    const fields: Partial<Record<'instance' | 'static', Scope>> = {};
    const fieldsScope = (isStatic: boolean): Scope => {
      const which = isStatic ? 'static' : 'instance';
      let found = fields[which];
      if (found === undefined) {
        found = newScope('fields', node, scope, { home: isStatic ? '<static home>' : '<home>', isStatic });
        for (const name of FIELDS_IMPLICIT) declare(found, name, 'implicit', -1);
        fields[which] = found;
      }
      return found;
    };
    for (const member of node.body.body) {
      if (member.type === 'StaticBlock') {
        const block = newScope('static-block', member, scope, { home: '<static home>' });
        for (const name of FIELDS_IMPLICIT) declare(block, name, 'implicit', -1);
        declareVars(block, member);
        declareLexical(block, member.body);
        visitStatements(member.body, block);
        continue;
      }
      if (member.computed) visit(member.key, scope);
      if (member.type === 'MethodDefinition') visitFunction(member.value, scope, member.static ? '<static home>' : '<home>');
      else if (member.value) visit(member.value, fieldsScope(member.static));
    }
  };

  const visit = (node: AnyNode, scope: Scope): void => {
    switch (node.type) {
      case 'Identifier':
        reference(node.name, node.start, scope);
        return;
      case 'ThisExpression':
        reference('this', node.start, scope);
        return;
      case 'Super': {
        let owner: Scope | undefined = scope.owner;
        while (owner?.arrow) owner = owner.parent?.owner;
        if (owner?.home !== undefined) reference(owner.home, node.start, scope);
        return;
      }
      case 'MetaProperty':
        if (node.meta.name === 'new') reference('new.target', node.start, scope);
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(node, scope, undefined);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        visitClass(node, scope);
        return;
      case 'VariableDeclaration':
        visitDeclaration(node, scope);
        return;
      case 'BlockStatement': {
        const block = newScope('block', node, scope);
        declareLexical(block, node.body);
        visitStatements(node.body, block);
        return;
      }
      case 'ForStatement': {
        const loop = node.init?.type === 'VariableDeclaration' && node.init.kind !== 'var' ? newScope('block', node, scope) : scope;
        if (node.init?.type === 'VariableDeclaration') {
          if (loop !== scope) declareLexical(loop, [node.init]);
          visitDeclaration(node.init, loop);
        } else if (node.init) {
          visit(node.init, loop);
        }
        if (node.test) visit(node.test, loop);
        if (node.update) visit(node.update, loop);
        visit(node.body, loop);
        return;
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const left = node.left;
        const loop = left.type === 'VariableDeclaration' && left.kind !== 'var' ? newScope('block', node, scope) : scope;
        if (left.type === 'VariableDeclaration') {
          if (loop !== scope) declareLexical(loop, [left]);
          visitDeclaration(left, loop);
        } else {
          visitPattern(left, loop, true);
        }
        visit(node.right, loop);
        visit(node.body, loop);
        return;
      }
      case 'SwitchStatement': {
        visit(node.discriminant, scope);
        const block = newScope('block', node, scope);
        declareLexical(block, node.cases.flatMap((branch) => branch.consequent));
        for (const branch of node.cases) {
          if (branch.test) visit(branch.test, block);
          visitStatements(branch.consequent, block);
        }
        return;
      }
      case 'CatchClause': {
        const block = newScope('block', node, scope);
        if (node.param) {
          declarePattern(block, node.param, 'catch');
          visitPattern(node.param, block, false);
        }
        visit(node.body, block);
        return;
      }
      case 'AssignmentExpression':
        visitPattern(node.left, scope, true);
        visit(node.right, scope);
        return;
      case 'MemberExpression':
        visit(node.object, scope);
        if (node.computed) visit(node.property, scope);
        return;
      case 'Property':
        if (node.computed) visit(node.key, scope);
        if ((node.method || node.kind !== 'init') && node.value.type === 'FunctionExpression') visitFunction(node.value, scope, undefined, true);
        else visit(node.value, scope);
        return;
      case 'LabeledStatement':
        visit(node.body, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'PrivateIdentifier':
      case 'Literal':
        return;
      case 'ExportNamedDeclaration':
        if (node.declaration) visit(node.declaration, scope);
        else if (!node.source) {
          for (const specifier of node.specifiers) {
            if (specifier.local.type === 'Identifier') exportedNames.push(reference(specifier.local.name, specifier.local.start, scope));
          }
        }
        return;
      case 'ExportDefaultDeclaration':
        visit(node.declaration, scope);
        return;
      default:
        forEachChild(node, (child) => visit(child, scope));
    }
  };

  const module = newScope('module', program, undefined);
  if (sourceType === 'script') for (const name of COMMONJS_WRAPPER) declare(module, name, 'implicit', -1);
  declareVars(module, program);
  declareLexical(module, program.body);
  visitStatements(program.body, module);

  for (const ref of references) {
    for (let scope: Scope | undefined = ref.scope; scope !== undefined; scope = scope.parent) {
      const binding = scope.bindings.get(ref.name);
      if (binding === undefined) continue;
      ref.binding = binding;
      if (binding.scope.owner !== ref.scope.owner) binding.captured = true;
      break;
    }
  }
  // `export { local }`; declarations exported where they are were marked when declared.
  for (const ref of exportedNames) if (ref.binding) ref.binding.exported = true;
  return { module, scopes, references };
}
