/**
 * One side of a plan, analysed: its parse, its inventory of functions and its scopes. A parse's
 * analysis is made once and kept with it (for as long as the parse lives), so that a source parsed
 * once is analysed once whoever asks: planning a file and compiling its redirected functions both
 * need the new source's.
 */
import type { AnalysedSide } from './captures.js';
import { buildInventory } from './inventory.js';
import type { ParsedSource, SourceType } from './parse.js';
import { analyzeScopes } from './scopes.js';

const analyses = new WeakMap<ParsedSource, AnalysedSide>();

/** The inventory and scopes of a parsed source (made once per parse; read them, never change them). */
export function analysed(source: ParsedSource, sourceType: SourceType): AnalysedSide {
  let side = analyses.get(source);
  if (side === undefined) {
    side = { source, inventory: buildInventory(source.program, source.text), scopes: analyzeScopes(source.program, sourceType) };
    analyses.set(source, side);
  }
  return side;
}
