/**
 * Checks on one changed function, running and new version side by side, for edits that LiveEdit
 * reports as applied while the function keeps its old code:
 * - a concise arrow whose last token changes (V8 leaves a change touching the end of a concise body
 *   out of the function; a body in parentheses ends with `)` on both sides, so it is safe); a
 *   redirected function is compiled anew, so this one is LiveEdit's only;
 * - a function that changes kind (plain, async, generator, arrow): the function object keeps its kind;
 * - an object literal's method that starts using `super`: the object was made without a home object.
 */
import type { Refusal } from '../types.js';
import type { FunctionEntry } from './inventory.js';
import { lastTokenText, locationOf, type ParsedSource } from './parse.js';
import { reasons } from './reasons.js';

/** Which backend the plan is for: LiveEdit, or redirection through hotswap's loader. */
export type Backend = 'liveedit' | 'redirect';

interface FunctionSide {
  readonly source: ParsedSource;
  readonly entry: FunctionEntry;
}

/** The kind check alone: it applies even when the function's own text is unchanged (`m()` → `async m()`). */
export function kindRefusal(running: FunctionSide, next: FunctionSide): Refusal | undefined {
  const from = kindOf(running.entry);
  const to = kindOf(next.entry);
  if (from === to) return undefined;
  return { reason: reasons.kindChanged(running.entry.name, from, to), name: running.entry.name, location: locationOf(next.source, next.entry.at) };
}

/** The checks of a function whose text changed (the kind check apart). */
export function bodyRefusals(running: FunctionSide, next: FunctionSide, backend: Backend): Refusal[] {
  const refusals: Refusal[] = [];
  const name = running.entry.name;
  const at = locationOf(next.source, next.entry.at);
  const concise = isConcise(running.entry) || isConcise(next.entry);
  if (
    backend === 'liveedit' &&
    concise &&
    lastTokenText(running.source, running.entry.start, running.entry.end) !== lastTokenText(next.source, next.entry.start, next.entry.end)
  ) {
    refusals.push({ reason: reasons.conciseLastToken(name), name, location: at });
  }
  if (next.entry.objectMethod && next.entry.usesSuper && !running.entry.usesSuper) {
    refusals.push({ reason: reasons.objectSuper(name), name, location: at });
  }
  return refusals;
}

function isConcise(entry: FunctionEntry): boolean {
  return entry.node.type === 'ArrowFunctionExpression' && entry.node.body.type !== 'BlockStatement';
}

function kindOf(entry: FunctionEntry): string {
  const node = entry.node;
  const arrow = node.type === 'ArrowFunctionExpression';
  if (node.async && node.generator) return 'an async generator function';
  if (node.generator) return 'a generator function';
  if (node.async) return arrow ? 'an async arrow function' : 'an async function';
  return arrow ? 'an arrow function' : 'a plain function';
}
