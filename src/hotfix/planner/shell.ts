/**
 * The shell of a piece of code: its tokens with every function and class inside it replaced by one
 * placeholder token. Two versions of a function with equal shells differ only inside the functions
 * and classes they contain, so the change belongs to those and not to the function itself.
 */
import type { Entry } from './inventory.js';
import { tokenIndexAt, tokenStart, tokenText, type ParsedSource } from './parse.js';

export interface MaskedToken {
  readonly text: string;
  readonly start: number;
}

/**
 * The tokens of `[start, end)` with each of `children` that lies inside replaced by a placeholder
 * naming what it is (`⟨fn name⟩`, `⟨class⟩`): renaming a nested function changes the shell,
 * editing its body does not.
 */
export function maskedTokens(source: ParsedSource, start: number, end: number, children: readonly Entry[]): MaskedToken[] {
  const inside = children.filter((child) => child.start >= start && child.end <= end).sort((a, b) => a.start - b.start);
  const masked: MaskedToken[] = [];
  let index = tokenIndexAt(source, start);
  let next = 0;
  for (;;) {
    const at = tokenStart(source, index);
    if (at === undefined || at >= end) break;
    const child = inside[next];
    if (child !== undefined && at >= child.start) {
      const kind = child.type === 'function' ? 'fn' : 'class';
      masked.push({ text: child.label === '' ? `⟨${kind}⟩` : `⟨${kind} ${child.label}⟩`, start: child.start });
      index = tokenIndexAt(source, child.end);
      next += 1;
      continue;
    }
    masked.push({ text: tokenText(source, index) ?? '', start: at });
    index += 1;
  }
  return masked;
}

/** Index of the first token where two masked token lists differ, or undefined when they are equal. */
export function firstDifference(a: readonly MaskedToken[], b: readonly MaskedToken[]): number | undefined {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) if (a[i]?.text !== b[i]?.text) return i;
  return a.length === b.length ? undefined : length;
}

/** A masked token list as one string, to compare or align whole pieces of code. */
export function fingerprint(tokens: readonly MaskedToken[]): string {
  return tokens.map((token) => token.text).join('\u0001');
}
