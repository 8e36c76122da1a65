/**
 * Keeping stack traces right after a patch. Node reads a script's source map once, when the script
 * is compiled, and keeps it in a cache that `module.findSourceMap()` hands out; its stack traces
 * look positions up through that same object's `findEntry()`. LiveEdit changes the script under
 * it: a patched function that grew or shrank moves every line after it, and its own lines come
 * from the new source, which the old map knows nothing of.
 *
 * So, after a patch, the cached map's `findEntry` is shadowed by an own property that sends each
 * position where it belongs (see correspondence.ts): text that is the new source's (the patched
 * functions, and what the patch left as the new source has it) to the patch's own map; text only the
 * running source had, back to where it was before the patch, through the lookup that was there (the
 * original map, or the previous patch's). Reverting the patch restores the lookup it
 * shadowed, so patches stack the way they are applied and reverted (newest first). The payload is
 * shadowed too, so the code excerpt Node prints under an uncaught error shows the new source.
 */
import Module from 'node:module';
import type { SourceEdit } from '../types.js';
import { correspondence } from './correspondence.js';
import type { SourceMapPayload } from '../../source-map/payload.js';

export interface RetargetInput {
  /** The script's path or file: URL, as Node's source map cache knows it. */
  readonly file: string;
  /** The whole script source before and after the patch (with the wrapper, if Node added one). */
  readonly running: string;
  readonly patched: string;
  /** Lengths of the wrapper text before and after the file's text in both. */
  readonly prefix: number;
  readonly suffix: number;
  readonly edits: readonly SourceEdit[];
  /** The new source the edits' `next` offsets refer to, and its map with absolute sources. */
  readonly next: string;
  readonly nextMap: SourceMapPayload | undefined;
}

/** What `findEntry` answers: an empty object when nothing maps. */
interface Entry {
  generatedLine?: number;
  generatedColumn?: number;
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
  name?: string | undefined;
}

class Lines {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  offset(line: number, column: number): number {
    const start = this.starts[Math.min(Math.max(line, 0), this.starts.length - 1)] ?? 0;
    return start + column;
  }
  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low, column: offset - (this.starts[low] ?? 0) };
  }
}

/** The cached payload with the new map's sources (and their content) added or replaced. */
function mergedPayload(old: SourceMapPayload, next: SourceMapPayload): SourceMapPayload {
  const sources = [...old.sources];
  const content = old.sources.map((_, i) => old.sourcesContent?.[i] ?? null);
  next.sources.forEach((source, i) => {
    const text = next.sourcesContent?.[i];
    if (text === undefined || text === null) return;
    const at = sources.indexOf(source);
    if (at === -1) {
      sources.push(source);
      content.push(text);
    } else {
      content[at] = text;
    }
  });
  return { ...old, sources, sourcesContent: content };
}

function shadow(map: Module.SourceMap, key: 'findEntry' | 'payload', value: unknown): () => void {
  const previous = Object.getOwnPropertyDescriptor(map, key);
  Object.defineProperty(map, key, { value, configurable: true, writable: true, enumerable: false });
  return () => {
    if (previous === undefined) Reflect.deleteProperty(map, key);
    else Object.defineProperty(map, key, previous);
  };
}

/**
 * Points the source map Node keeps for a script at the patched text. Returns the undo, or
 * undefined when Node keeps no map for the script (source maps off, or none named).
 */
export function retargetSourceMap(input: RetargetInput): (() => void) | undefined {
  const map = Module.findSourceMap(input.file);
  if (map === undefined) return undefined;
  // The lookup in place now: the original map's, or an earlier patch's shadow of it.
  const previousFind = Reflect.get<Module.SourceMap, 'findEntry'>(map, 'findEntry');
  const previous = (line: number, column: number): Entry => previousFind.call(map, line, column);
  const nextMap = input.nextMap === undefined ? undefined : new Module.SourceMap(input.nextMap as Module.SourceMapPayload);
  const patchedLines = new Lines(input.patched);
  const runningLines = new Lines(input.running);
  const nextLines = new Lines(input.next);
  const { prefix } = input;
  const runningBody = input.running.slice(prefix, input.running.length - input.suffix);
  const texts = correspondence(runningBody, input.next, input.patched.length - prefix - input.suffix, input.edits);
  const inEdit = (offset: number) => input.edits.some((e) => offset >= e.patchedStart && offset < e.patchedEnd);

  const findEntry = (line: number, column: number): Entry => {
    const offset = patchedLines.offset(line, column) - prefix;
    const next = nextMap === undefined ? undefined : texts.toNext(offset);
    if (nextMap !== undefined && next !== undefined) {
      const at = nextLines.position(next);
      const entry: Entry = nextMap.findEntry(at.line, at.column);
      if (entry.generatedLine === undefined || entry.generatedColumn === undefined) return entry;
      const patched = texts.fromNext(nextLines.offset(entry.generatedLine, entry.generatedColumn));
      return patched === undefined ? entry : { ...entry, ...generated(patchedLines, prefix + patched) };
    }
    // No map for the new text: a position in a patched function has no original to point at.
    if (nextMap === undefined && inEdit(offset)) return {};
    const at = runningLines.position(prefix + texts.toRunning(offset));
    const entry = previous(at.line, at.column);
    if (entry.generatedLine === undefined || entry.generatedColumn === undefined) return entry;
    const patched = texts.fromRunning(runningLines.offset(entry.generatedLine, entry.generatedColumn) - prefix);
    return patched === undefined ? entry : { ...entry, ...generated(patchedLines, prefix + patched) };
  };

  const restoreFind = shadow(map, 'findEntry', findEntry);
  const restorePayload = input.nextMap === undefined ? () => undefined : shadow(map, 'payload', mergedPayload(map.payload as SourceMapPayload, input.nextMap));
  return () => {
    restorePayload();
    restoreFind();
  };
}

function generated(lines: Lines, offset: number): { generatedLine: number; generatedColumn: number } {
  const { line, column } = lines.position(offset);
  return { generatedLine: line, generatedColumn: column };
}
