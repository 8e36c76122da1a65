/**
 * Source map payloads as a patch carries them or a script names them: reading an inline
 * `data:` map, telling the URL a script names for its map, checking a payload's shape, and making
 * its sources absolute the way Node does when it caches a map (relative to the map's own URL).
 */

/** A version 3 source map, the fields Node reads. */
export interface SourceMapPayload {
  readonly version: 3;
  readonly file?: string;
  readonly sourceRoot?: string;
  readonly sources: readonly string[];
  readonly sourcesContent?: readonly (string | null)[];
  readonly names: readonly string[];
  readonly mappings: string;
}

const URL_COMMENT = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/gm;
const DATA_URL = /^data:application\/json(?:;charset=[\w-]+)?(;base64)?,(.*)$/s;

/** The URL in the last `//# sourceMappingURL=` comment of a script, if any. */
export function sourceMappingUrl(source: string): string | undefined {
  let last: string | undefined;
  for (const match of source.matchAll(URL_COMMENT)) last = match[1];
  return last;
}

/**
 * The payload of a map given as a `data:` URL, undefined for any other URL.
 * @throws Error when the data is not a well-formed map
 */
export function inlinePayload(url: string): SourceMapPayload | undefined {
  const match = DATA_URL.exec(url);
  if (match === null) return undefined;
  const data = match[2] ?? '';
  const json = match[1] === undefined ? decodeURIComponent(data) : Buffer.from(data, 'base64').toString('utf8');
  return parsePayload(json);
}

/**
 * A source map's JSON, checked for what Node needs of it.
 * @throws Error naming what is wrong
 */
export function parsePayload(json: string): SourceMapPayload {
  const value = JSON.parse(json) as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a source map must be a JSON object');
  if (value['version'] !== 3) throw new Error(`only version 3 source maps are read, this one says ${JSON.stringify(value['version'])}`);
  if (typeof value['mappings'] !== 'string') throw new Error('its mappings must be a string');
  const sources = value['sources'];
  if (!Array.isArray(sources) || !sources.every((s) => typeof s === 'string')) throw new Error('its sources must be an array of strings');
  const names = value['names'] ?? [];
  if (!Array.isArray(names)) throw new Error('its names must be an array');
  const content = value['sourcesContent'];
  if (content !== undefined && (!Array.isArray(content) || !content.every((c) => c === null || typeof c === 'string'))) {
    throw new Error('its sourcesContent must be an array of strings');
  }
  if (value['sections'] !== undefined) throw new Error('index maps (with sections) are not read');
  return value as unknown as SourceMapPayload;
}

/** The payload with every source an absolute URL against `base` (the map's URL), as Node caches maps. */
export function withAbsoluteSources(payload: SourceMapPayload, base: string): SourceMapPayload {
  const root = payload.sourceRoot ?? '';
  return { ...payload, sourceRoot: '', sources: payload.sources.map((source) => new URL(root + source, base).href) };
}
