/**
 * Shifts esbuild's inline source map by the lines `new Function` puts before the artifact body
 * (see WRAPPER_LINES), so mapped stack traces name the right line of the original file.
 */
const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

interface RawSourceMap {
  mappings: string;
  [field: string]: unknown;
}

/** Returns `code` with its trailing inline source map shifted down by `lines` lines. */
export function shiftInlineSourceMap(code: string, lines: number): string {
  const match = INLINE_MAP.exec(code);
  if (match === null || match[1] === undefined) {
    // Only reachable if esbuild changes its output: a bug here, not a user fault.
    throw new Error('hotswap: esbuild output has no inline source map to shift');
  }
  const map = JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as RawSourceMap;
  // Each ';' in `mappings` is one generated line without mappings.
  map.mappings = ';'.repeat(lines) + map.mappings;
  const encoded = Buffer.from(JSON.stringify(map), 'utf8').toString('base64');
  return code.slice(0, match.index) + `//# sourceMappingURL=data:application/json;base64,${encoded}\n`;
}
