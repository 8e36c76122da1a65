/**
 * The source map of a patch file's new source: the one the patch carries (`sourceMap`, for a map
 * kept in a separate file), or the one inline in the new source. Its sources are made absolute
 * against the URL the running script gives for its own map, as Node does when it caches that map.
 */
import { pathToFileURL } from 'node:url';
import { inlinePayload, parsePayload, sourceMappingUrl, withAbsoluteSources, type SourceMapPayload } from '../../source-map/payload.js';

/**
 * @param source the new source (JavaScript, as the planner reads it)
 * @param carried the map the patch carries for it, if any
 * @throws Error when the map is malformed
 */
export function newSourceMap(source: string, carried: string | undefined): { payload: SourceMapPayload; inline: boolean } | undefined {
  if (carried !== undefined) return { payload: parsePayload(carried), inline: false };
  const url = sourceMappingUrl(source);
  const payload = url === undefined ? undefined : inlinePayload(url);
  return payload === undefined ? undefined : { payload, inline: true };
}

/**
 * The new map with absolute sources. A separate map file is taken to sit where the running
 * script's own map file is (the patch is built from the rebuilt output, laid out like the running one).
 * @param file the running script's path or file: URL
 * @param runningSource the running script's source (for the URL of its map)
 */
export function resolvedSourceMap(
  map: { payload: SourceMapPayload; inline: boolean },
  file: string,
  runningSource: string,
): SourceMapPayload {
  const scriptUrl = file.startsWith('file:') ? file : pathToFileURL(file).href;
  const named = sourceMappingUrl(runningSource);
  const base = map.inline || named === undefined || named.startsWith('data:') ? scriptUrl : new URL(named, scriptUrl).href;
  return withAbsoluteSources(map.payload, base);
}
