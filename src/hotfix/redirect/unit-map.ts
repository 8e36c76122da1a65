/**
 * Source maps for the texts a redirected patch compiles, one per text, each covering only the lines
 * it holds. Every compiled text stays alive as long as its function can run (and an applied patch
 * keeps the functions it replaced, to revert), and Node keeps the map of every compiled text it
 * was given. So a text carrying the new file's whole map, lined up with the file by one new line per
 * line before it, cost megabytes per save of a big module: 20 MB a save of a 1.5 MB TypeScript
 * module (its map, its embedded source, and Node's parsed copy). Here a text starts with one line
 * of wrapper, then the new source's own lines, and its map says which line of the file each is.
 */
import { decode, encode, type SourceMapMappings, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import { inlinePayload, sourceMappingUrl, type SourceMapPayload } from '../../source-map/payload.js';

/** The lines before the new source's first line in every compiled text (the wrapper's one line). */
export const WRAPPER_LINES = 1;

export interface UnitMaps {
  /**
   * The `//# sourceMappingURL=` comment for a text whose line `WRAPPER_LINES` (0-based) is line
   * `from` of the new source, up to its line `to` (0-based, inclusive).
   */
  comment(from: number, to: number): string;
}

/**
 * The maps for texts cut out of `source`, from its inline source map; undefined when it has none
 * (a plain JavaScript file: its texts are lined up with the file instead, see compile.ts).
 */
export function unitMaps(source: string): UnitMaps | undefined {
  const url = sourceMappingUrl(source);
  let payload: SourceMapPayload | undefined;
  try {
    payload = url === undefined ? undefined : inlinePayload(url);
  } catch {
    payload = undefined; // A malformed map: the texts are lined up with the file, as without one.
  }
  if (payload === undefined) return undefined;
  const map = payload;
  let lines: SourceMapMappings | undefined;
  return {
    comment(from, to) {
      lines ??= decode(map.mappings);
      // Names are renumbered into the few the lines use; the sources' content is left out (Node
      // reads a source file itself when it prints an excerpt).
      const names: string[] = [];
      const nameIndex = new Map<number, number>();
      const renamed = (segment: SourceMapSegment): SourceMapSegment => {
        if (segment.length !== 5) return segment;
        const [column, source, line, sourceColumn, name] = segment;
        let index = nameIndex.get(name);
        if (index === undefined) {
          index = names.push(map.names[name] ?? '') - 1;
          nameIndex.set(name, index);
        }
        return [column, source, line, sourceColumn, index];
      };
      const mappings: SourceMapMappings = [...Array.from({ length: WRAPPER_LINES }, () => []), ...lines.slice(from, to + 1).map((line) => line.map(renamed))];
      const payloadOut = { version: 3, sources: map.sources, ...(map.sourceRoot === undefined ? {} : { sourceRoot: map.sourceRoot }), names, mappings: encode(mappings) };
      return `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(payloadOut)).toString('base64')}`;
    },
  };
}
