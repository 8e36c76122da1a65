/**
 * Every function and class of a source, in a tree, each with a qualified name that stays the same
 * from one version of the file to the next (see `ScopeSelector` in ../types.ts for the scheme). The
 * planner matches the running and the new version of a function by this tree.
 */
import type { AnyNode, Expression, MemberExpression, ObjectExpression, Pattern, Program } from 'acorn';
import type { PlannedFunction } from '../types.js';
import { isClassNode, isFunctionNode, keyName, forEachChild, type ClassNode, type FunctionNode } from './syntax.js';

export type FunctionKind = PlannedFunction['kind'];

interface EntryBase {
  /** Qualified name: the parent's name, a dot, then `rel`. */
  readonly name: string;
  /** Name relative to the parent container, with a `<#N>` suffix for the Nth sibling of that name. */
  readonly rel: string;
  /** What the source itself names it (`rel` without the suffix), or '' when anonymous. */
  readonly label: string;
  /** The node's range: for a method, its value (from the parameters); what a patch replaces. */
  readonly start: number;
  readonly end: number;
  /** Where it reads as starting, for locations: a method's key (or `static`, `async`, `get`). */
  readonly at: number;
  readonly parent: Container;
  readonly children: Entry[];
  /** Index of the top-level statement it is in. */
  statement: number;
}

export interface FunctionEntry extends EntryBase {
  readonly type: 'function';
  readonly node: FunctionNode;
  readonly kind: FunctionKind;
  /** A method, getter or setter of an object literal (whose home object `super` needs). */
  readonly objectMethod: boolean;
  /** Whether it uses `super` itself or through arrows inside it. */
  usesSuper: boolean;
}

export interface ClassEntry extends EntryBase {
  readonly type: 'class';
  readonly node: ClassNode;
}

export interface ProgramEntry {
  readonly type: 'program';
  readonly name: '';
  readonly node: Program;
  readonly start: number;
  readonly end: number;
  readonly children: Entry[];
}

export type Entry = FunctionEntry | ClassEntry;
export type Container = ProgramEntry | Entry;

export interface Inventory {
  readonly root: ProgramEntry;
  /** Every function and class, parents before children. */
  readonly entries: readonly Entry[];
  readonly functionAt: ReadonlyMap<number, FunctionEntry>;
  readonly classAt: ReadonlyMap<number, ClassEntry>;
}

interface Context {
  readonly container: Container;
  /** Inside a function: its functions are closures. */
  readonly inFunction: boolean;
}

/** Per container: how many anonymous functions, classes and objects so far, and the names used. */
interface Counters {
  anonymous: number;
  classes: number;
  objects: number;
  readonly names: Map<string, number>;
}

export function buildInventory(program: Program, text: string): Inventory {
  const root: ProgramEntry = { type: 'program', name: '', node: program, start: program.start, end: program.end, children: [] };
  const entries: Entry[] = [];
  const functionAt = new Map<number, FunctionEntry>();
  const classAt = new Map<number, ClassEntry>();
  const counters = new Map<Container, Counters>();

  const countersOf = (container: Container): Counters => {
    let found = counters.get(container);
    if (found === undefined) {
      found = { anonymous: 0, classes: 0, objects: 0, names: new Map() };
      counters.set(container, found);
    }
    return found;
  };

  const unique = (container: Container, rel: string): string => {
    const names = countersOf(container).names;
    const seen = (names.get(rel) ?? 0) + 1;
    names.set(rel, seen);
    return seen === 1 ? rel : `${rel}<#${seen}>`;
  };

  const qualified = (container: Container, rel: string): string => (container.name === '' ? rel : `${container.name}.${rel}`);

  const addFunction = (
    node: FunctionNode,
    label: string | undefined,
    ctx: Context,
    member?: { kind: FunctionKind; start: number; objectMethod: boolean },
  ): void => {
    const container = ctx.container;
    const rel = unique(container, label ?? `<anonymous#${++countersOf(container).anonymous}>`);
    const entry: FunctionEntry = {
      type: 'function',
      name: qualified(container, rel),
      rel,
      label: label ?? '',
      start: node.start,
      end: node.end,
      at: member?.start ?? node.start,
      parent: container,
      children: [],
      statement: 0,
      node,
      kind: member?.kind ?? (ctx.inFunction ? 'closure' : node.type === 'ArrowFunctionExpression' ? 'arrow' : 'function'),
      objectMethod: member?.objectMethod ?? false,
      usesSuper: false,
    };
    container.children.push(entry);
    entries.push(entry);
    functionAt.set(node.start, entry);
    const inner: Context = { container: entry, inFunction: true };
    for (const param of node.params) visit(param, inner);
    visit(node.body, inner);
  };

  const addClass = (node: ClassNode, label: string | undefined, ctx: Context): void => {
    const container = ctx.container;
    const rel = unique(container, label ?? `<class#${++countersOf(container).classes}>`);
    const entry: ClassEntry = {
      type: 'class',
      name: qualified(container, rel),
      rel,
      label: label ?? '',
      start: node.start,
      end: node.end,
      at: node.start,
      parent: container,
      children: [],
      statement: 0,
      node,
    };
    container.children.push(entry);
    entries.push(entry);
    classAt.set(node.start, entry);
    const inner: Context = { container: entry, inFunction: ctx.inFunction };
    if (node.superClass) visit(node.superClass, inner);
    for (const member of node.body.body) {
      if (member.type === 'StaticBlock') {
        for (const statement of member.body) visit(statement, inner);
        continue;
      }
      if (member.computed) visit(member.key, inner);
      const prefix = member.static ? 'static ' : '';
      const key = keyName(member.key, member.computed, text);
      if (member.type === 'MethodDefinition') {
        const accessor = member.kind === 'get' || member.kind === 'set' ? `${member.kind} ` : '';
        const kind = member.kind === 'get' ? 'getter' : member.kind === 'set' ? 'setter' : 'method';
        addFunction(member.value, `${prefix}${accessor}${key}`, inner, { kind, start: member.start, objectMethod: false });
      } else if (member.value) {
        visitNamed(member.value, `${prefix}${key}`, inner);
      }
    }
  };

  /** A value that a declaration, assignment, property or field gives a name to. */
  const visitNamed = (node: AnyNode, label: string, ctx: Context): void => {
    if (node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') addFunction(node, label, ctx);
    else if (node.type === 'ClassExpression') addClass(node, label, ctx);
    else if (node.type === 'ObjectExpression') visitObject(node, () => `${label}.`, ctx);
    else visit(node, ctx);
  };

  const visitObject = (node: ObjectExpression, prefixOf: () => string, ctx: Context): void => {
    for (const property of node.properties) {
      if (property.type === 'SpreadElement') {
        visit(property, ctx);
        continue;
      }
      if (property.computed) visit(property.key, ctx);
      const key = keyName(property.key, property.computed, text);
      const value = property.value;
      if ((property.kind === 'get' || property.kind === 'set') && value.type === 'FunctionExpression') {
        const kind = property.kind === 'get' ? 'getter' : 'setter';
        addFunction(value, `${prefixOf()}${property.kind} ${key}`, ctx, { kind, start: property.start, objectMethod: true });
      } else if (property.method && value.type === 'FunctionExpression') {
        addFunction(value, `${prefixOf()}${key}`, ctx, { kind: 'method', start: property.start, objectMethod: true });
      } else if (isFunctionNode(value) || isClassNode(value) || value.type === 'ObjectExpression') {
        visitNamed(value, `${prefixOf()}${key}`, ctx);
      } else {
        visit(value, ctx);
      }
    }
  };

  /** An object literal that no name reaches: `<object#N>`, numbered when a member first needs it. */
  const anonymousObjectPrefix = (ctx: Context): (() => string) => {
    let prefix: string | undefined;
    return () => (prefix ??= `<object#${++countersOf(ctx.container).objects}>.`);
  };

  const visit = (node: AnyNode, ctx: Context): void => {
    switch (node.type) {
      case 'FunctionDeclaration':
        addFunction(node, node.id?.name ?? 'default', ctx);
        return;
      case 'FunctionExpression':
        addFunction(node, node.id?.name, ctx);
        return;
      case 'ArrowFunctionExpression':
        addFunction(node, undefined, ctx);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        addClass(node, node.id?.name ?? undefined, ctx);
        return;
      case 'ObjectExpression':
        visitObject(node, anonymousObjectPrefix(ctx), ctx);
        return;
      case 'VariableDeclarator':
        visit(node.id, ctx);
        if (node.init) {
          if (node.id.type === 'Identifier') visitNamed(node.init, node.id.name, ctx);
          else visit(node.init, ctx);
        }
        return;
      case 'AssignmentExpression': {
        const target = node.operator === '=' ? assignedName(node.left) : undefined;
        visit(node.left, ctx);
        if (target === undefined) visit(node.right, ctx);
        else visitNamed(node.right, target, ctx);
        return;
      }
      case 'ExportDefaultDeclaration': {
        const declaration = node.declaration;
        if (declaration.type === 'FunctionDeclaration') addFunction(declaration, declaration.id?.name ?? 'default', ctx);
        else if (declaration.type === 'ClassDeclaration') addClass(declaration, declaration.id?.name ?? 'default', ctx);
        else visitNamed(declaration, 'default', ctx);
        return;
      }
      case 'Super':
        markSuper(ctx.container);
        return;
      default:
        forEachChild(node, (child) => visit(child, ctx));
    }
  };

  for (const statement of program.body) visit(statement, { container: root, inFunction: false });
  setStatements(root, program);
  return { root, entries, functionAt, classAt };
}

/** `super` belongs to the nearest function that is not an arrow. */
function markSuper(container: Container): void {
  let current: Container = container;
  while (current.type === 'function' && current.node.type === 'ArrowFunctionExpression') current = current.parent;
  if (current.type === 'function') current.usesSuper = true;
}

/** The dotted name an assignment gives: `handler`, `exports.run`, `Foo.prototype.bar`, `this.onTick`. */
function assignedName(target: Pattern | Expression): string | undefined {
  if (target.type === 'Identifier') return target.name;
  if (target.type === 'ThisExpression') return 'this';
  if (target.type !== 'MemberExpression') return undefined;
  const property = memberProperty(target);
  const object = target.object.type === 'Super' ? undefined : assignedName(target.object);
  return property === undefined || object === undefined ? undefined : `${object}.${property}`;
}

function memberProperty(member: MemberExpression): string | undefined {
  if (!member.computed && member.property.type === 'Identifier') return member.property.name;
  if (member.computed && member.property.type === 'Literal' && typeof member.property.value === 'string') {
    return member.property.value;
  }
  return undefined;
}

/** Which top-level statement each function and class is in, inherited by everything inside it. */
function setStatements(root: ProgramEntry, program: Program): void {
  const starts = program.body.map((statement) => statement.start);
  const stamp = (entry: Entry, statement: number): void => {
    entry.statement = statement;
    for (const child of entry.children) stamp(child, statement);
  };
  for (const child of root.children) {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= child.start) low = mid;
      else high = mid - 1;
    }
    stamp(child, low);
  }
}
