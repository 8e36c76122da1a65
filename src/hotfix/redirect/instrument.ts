/**
 * The load-time transform of the redirection backend: every function of the table gets a stub at
 * the top of its body that forwards to its slot once a patch fills it, every class at the top level
 * registers an evaluator in its own scope, and the module registers its slots and an evaluator in
 * its scope. Only insertions, never a new line: line numbers (and so stack traces and source maps,
 * by line) stay those of the file.
 */
import { HotfixRedirectError } from '../../errors.js';
import { isParsed, parseSource, type ParsedSource, type SourceType } from '../planner/parse.js';
import { buildTable, type FunctionTable, type TableEntry } from './table.js';
import { GLOBAL_KEY, NAMES } from './names.js';

export interface Instrumented {
  readonly code: string;
  readonly table: FunctionTable;
}

interface Insertion {
  readonly at: number;
  readonly text: string;
  /** Among insertions at the same place, lower first (a closing of an inner body before an outer one). */
  readonly rank: number;
}

const RUNTIME = `globalThis[Symbol.for(${JSON.stringify(GLOBAL_KEY)})]`;

/** The text of a function's stub: look up the slot, forward when it is filled. */
function stub(entry: TableEntry): string {
  const node = entry.node;
  const r = NAMES.forward;
  const arrow = node.type === 'ArrowFunctionExpression';
  const constructible = !arrow && !node.async && !node.generator && entry.member === undefined;
  const delegate = node.generator ? 'yield* ' : '';
  const lookup = `const ${r} = ${NAMES.slots}?.[${entry.slot}]; if (${r} !== undefined) return ${delegate}`;
  const args = arrow ? `[${node.params.map((p) => (p.type === 'RestElement' ? `...${(p.argument as { name: string }).name}` : (p as { name: string }).name)).join(', ')}]` : 'arguments';
  if (!entry.withEnv) {
    if (arrow) return `${lookup}${r}(...${args});`;
    if (constructible) return `${lookup}new.target === undefined ? ${r}.apply(this, arguments) : Reflect.construct(${r}, arguments, new.target);`;
    return `${lookup}${r}.apply(this, arguments);`;
  }
  // A reader and, when it may be assigned, a writer per variable: arrows, which V8 creates fast (an
  // object literal with accessors, made anew at every call, costs about a microsecond). The new
  // code gets an object with accessors over them from a class made once (compile.ts).
  const accessors = entry.captures
    .map((c) => `() => ${c.name}, ${c.writable ? `(${NAMES.value}) => { ${c.name} = ${NAMES.value}; }` : 'undefined'}`)
    .join(', ');
  return `${lookup}${r}.call(this, [${accessors}], ${args}, ${constructible ? 'new.target' : 'undefined'});`;
}

/** Where the body's statements start: after its directives (`'use strict'`), with a `;` if one ends without. */
function bodyInsertion(parsed: ParsedSource, entry: TableEntry): Insertion[] {
  const body = entry.node.body;
  if (body.type === 'BlockStatement') {
    const directives = body.body.filter((s) => s.type === 'ExpressionStatement' && 'directive' in s && typeof s.directive === 'string');
    const last = directives[directives.length - 1];
    const at = last === undefined ? body.start + 1 : last.end;
    return [{ at, text: `${last === undefined ? '' : ';'}${stub(entry)}`, rank: 0 }];
  }
  // A concise arrow: its body, with any parentheses around it, becomes a block that returns it.
  const from = conciseBodyStart(parsed, body.start);
  const depth = -(entry.node.end - entry.node.start);
  return [
    { at: from, text: `{ ${stub(entry)} return `, rank: 0 },
    { at: entry.node.end, text: '; }', rank: depth },
  ];
}

/** The start of a concise body's first token after `=>`: an opening parenthesis, or the expression. */
function conciseBodyStart(parsed: ParsedSource, expressionStart: number): number {
  const { starts, ends } = parsed.tokens;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((starts[mid] ?? 0) < expressionStart) low = mid + 1;
    else high = mid;
  }
  let i = low;
  while (i > 0 && parsed.text.slice(starts[i - 1], ends[i - 1]) === '(') i--;
  return starts[i] ?? expressionStart;
}

/** Where module code can start without breaking a hashbang or a directive prologue. */
function prologueInsertion(parsed: ParsedSource): { at: number; semicolon: boolean } {
  const directives = [];
  for (const statement of parsed.program.body) {
    if (statement.type === 'ExpressionStatement' && 'directive' in statement && typeof statement.directive === 'string') directives.push(statement);
    else break;
  }
  const last = directives[directives.length - 1];
  if (last !== undefined) return { at: last.end, semicolon: true };
  if (parsed.text.startsWith('#!')) {
    const newline = parsed.text.indexOf('\n');
    return { at: newline === -1 ? parsed.text.length : newline + 1, semicolon: false };
  }
  return { at: 0, semicolon: false };
}

/**
 * Instruments a module's code. `key` names the module to the runtime (its absolute path), `hash`
 * is the sha256 of the file as on disk, which the runtime checks when it reads the file back.
 * @throws HotfixRedirectError when the source does not parse or already uses hotswap's names
 */
export function instrument(source: string, sourceType: SourceType, key: string, hash: string): Instrumented {
  const parsed = parseSource(source, sourceType);
  if (!isParsed(parsed)) throw new HotfixRedirectError(key, `it does not parse: ${parsed.message}`);
  if (source.includes(NAMES.prefix)) throw new HotfixRedirectError(key, `it already uses the name prefix ${NAMES.prefix}: instrumented twice?`);
  const table = buildTable(parsed, sourceType);
  const insertions: Insertion[] = [];
  const prologue = prologueInsertion(parsed);
  const evaluate = `(${NAMES.text}) => eval(${NAMES.text})`;
  insertions.push({
    at: prologue.at,
    text: `${prologue.semicolon ? ';' : ''}var ${NAMES.slots} = ${RUNTIME}?.register(${JSON.stringify(key)}, ${JSON.stringify(hash)}, ${JSON.stringify(sourceType)}, ${table.slots}, ${evaluate});`,
    rank: -Infinity,
  });
  table.classes.forEach((cls, index) => {
    insertions.push({
      at: cls.node.body.start + 1,
      text: `static { ${RUNTIME}?.registerClass(${JSON.stringify(key)}, ${index}, ${evaluate}); }`,
      rank: 0,
    });
  });
  for (const entry of table.entries) if (entry.slot !== undefined) insertions.push(...bodyInsertion(parsed, entry));
  insertions.sort((a, b) => a.at - b.at || a.rank - b.rank);
  let code = '';
  let from = 0;
  for (const insertion of insertions) {
    code += source.slice(from, insertion.at) + insertion.text;
    from = insertion.at;
  }
  code += source.slice(from);
  return { code, table };
}
