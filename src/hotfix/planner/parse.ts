/**
 * Parsing one source for the planner: the AST and its tokens. The planner compares code by tokens,
 * not characters, so a change of whitespace or comments alone is no change at all.
 */
import type { Program } from 'acorn';
import { parse } from '../../acorn-parser.js';
import type { SourceLocation } from '../types.js';

export type SourceType = 'module' | 'script';

/** A parsed source. Tokens are in source order, without comments and without the end token. */
export interface ParsedSource {
  readonly text: string;
  readonly program: Program;
  /** Token starts and ends as two arrays of numbers: files of megabytes have millions of tokens. */
  readonly tokens: { readonly starts: readonly number[]; readonly ends: readonly number[] };
  /** Start offset of every line, to turn offsets into 1-based lines and columns. */
  readonly lineStarts: readonly number[];
}

/** A source that does not parse: acorn's message without its `(line:column)` suffix, and where. */
export interface ParseFailure {
  readonly message: string;
  readonly location: SourceLocation | undefined;
}

/**
 * Parses `text` as the running code would be: an ES module, or a script. CommonJS files are scripts
 * that Node runs inside a function, so a top-level `return` is valid there.
 */
export function parseSource(text: string, sourceType: SourceType): ParsedSource | ParseFailure {
  const tokens = { starts: [] as number[], ends: [] as number[] };
  try {
    const program = parse(text, {
      ecmaVersion: 'latest',
      sourceType,
      allowHashBang: true,
      allowReturnOutsideFunction: sourceType === 'script',
      onToken: (token) => {
        if (token.type.label === 'eof') return;
        tokens.starts.push(token.start);
        tokens.ends.push(token.end);
      },
    });
    return { text, program, tokens, lineStarts: lineStartsOf(text) };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // acorn adds `pos` and `loc` (1-based line, 0-based column) to the SyntaxError it throws.
    const loc = (error as SyntaxError & { loc?: { line: number; column: number } }).loc;
    return {
      message: error.message.replace(/ \(\d+:\d+\)$/, ''),
      location: loc === undefined ? undefined : { line: loc.line, column: loc.column + 1 },
    };
  }
}

export function isParsed(result: ParsedSource | ParseFailure): result is ParsedSource {
  return 'program' in result;
}

/** The 1-based line and column of an offset. */
export function locationOf(source: ParsedSource, offset: number): SourceLocation {
  const starts = source.lineStarts;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

/** Index of the first token that starts at or after `offset`. */
export function tokenIndexAt(source: ParsedSource, offset: number): number {
  const starts = source.tokens.starts;
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((starts[mid] ?? 0) < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The text of the token at an index, or undefined past the last token. */
export function tokenText(source: ParsedSource, index: number): string | undefined {
  const start = source.tokens.starts[index];
  return start === undefined ? undefined : source.text.slice(start, source.tokens.ends[index]);
}

/** The start of the token at an index, or undefined past the last token. */
export function tokenStart(source: ParsedSource, index: number): number | undefined {
  return source.tokens.starts[index];
}

/** Whether two ranges hold the same tokens (whitespace and comments aside). */
export function sameTokens(a: ParsedSource, aStart: number, aEnd: number, b: ParsedSource, bStart: number, bEnd: number): boolean {
  let i = tokenIndexAt(a, aStart);
  let j = tokenIndexAt(b, bStart);
  for (;;) {
    const sa = a.tokens.starts[i];
    const sb = b.tokens.starts[j];
    const aDone = sa === undefined || sa >= aEnd;
    const bDone = sb === undefined || sb >= bEnd;
    if (aDone || bDone) return aDone && bDone;
    if (tokenText(a, i) !== tokenText(b, j)) return false;
    i += 1;
    j += 1;
  }
}

/** The last token inside a range (a function's last token: `}` or the end of a concise arrow body). */
export function lastTokenText(source: ParsedSource, start: number, end: number): string {
  const index = tokenIndexAt(source, end) - 1;
  const at = tokenStart(source, index);
  return at === undefined || at < start ? '' : (tokenText(source, index) ?? '');
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  // \r\n, \r, \n, and the two Unicode line terminators all end a line in JavaScript.
  const terminators = /\r\n?|\n|\u2028|\u2029/g;
  for (let match = terminators.exec(text); match !== null; match = terminators.exec(text)) {
    starts.push(match.index + match[0].length);
  }
  return starts;
}
