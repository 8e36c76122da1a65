/**
 * A plugin's source map, read when a stack trace first needs it rather than on every reload.
 *
 * Node reads an inline source map when the code is compiled (with source maps on): it scans the
 * whole text for the comment, decodes the base64 and parses the JSON, which for a large plugin
 * costs more than a third of a reload (measured in docs/benchmarks.md). So the loader cuts the
 * artifact's inline map off before compiling and compiles a tiny, empty map in its place: Node
 * then caches an entry for the plugin's sourceURL at almost no cost. That cached entry's lookups
 * (`findEntry`, which Node's stack traces call, and `payload`) are then shadowed by ones that
 * decode the real map the first time they are used. `module.findSourceMap()` answers with the
 * same object, so debuggers and tools asking Node see the real map too.
 */
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { inlinePayload, withAbsoluteSources } from '../source-map/payload.js';

const INLINE_MAP = '//# sourceMappingURL=data:application/json';

/** An empty map: what Node parses at compile time in place of the real one. */
const PLACEHOLDER = `//# sourceMappingURL=data:application/json;base64,${Buffer.from(
  JSON.stringify({ version: 3, sources: [], names: [], mappings: '' }),
).toString('base64')}`;

export interface SplitSource {
  /** The code to compile: the inline map replaced by the empty placeholder. */
  readonly code: string;
  /** The inline map's `data:` URL, undefined when the code had none. */
  readonly mapUrl: string | undefined;
}

/** Takes the last inline source map comment (where bundlers put it) out of `text`. */
export function splitInlineSourceMap(text: string): SplitSource {
  const at = text.lastIndexOf(INLINE_MAP);
  // Only a comment at the start of a line that runs to the end of the line is the map.
  if (at === -1 || (at > 0 && text[at - 1] !== '\n')) return { code: text, mapUrl: undefined };
  const end = text.indexOf('\n', at);
  const comment = end === -1 ? text.slice(at) : text.slice(at, end);
  const mapUrl = comment.slice('//# sourceMappingURL='.length).trim();
  return { code: text.slice(0, at) + PLACEHOLDER + (end === -1 ? '' : text.slice(end)), mapUrl };
}

/**
 * Has Node keep the placeholder map for `sourceURL`, as compiling code with the placeholder through
 * `new Function` does. Code compiled by `vm.Script` under the same URL is not registered by Node,
 * but its stack frames are mapped through this entry (checked on Node 20 to 26).
 */
export function registerPlaceholder(sourceURL: string): void {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- an empty function: only its source map comment matters
  new Function(`${PLACEHOLDER}\n//# sourceURL=${sourceURL}`);
}

/**
 * Makes Node's cached map for `sourceURL` (the placeholder's) answer from the real map, decoded on
 * first use. Does nothing when Node keeps no map for it (source maps off).
 */
export function attachLazySourceMap(sourceURL: string, mapUrl: string): void {
  const cached = Module.findSourceMap(sourceURL);
  if (cached === undefined) return;
  const fallback = cached.payload;
  let real: Module.SourceMap | undefined;
  let unreadable = false;
  // A map that cannot be read maps nothing (Node then shows the compiled positions): a stack
  // trace must never fail because of it.
  const load = (): Module.SourceMap | undefined => {
    if (real !== undefined || unreadable) return real;
    try {
      const payload = inlinePayload(mapUrl);
      if (payload === undefined) throw new Error('not an inline source map');
      // As Node does for an inline map: sources relative to the code's own URL.
      real = new Module.SourceMap(withAbsoluteSources(payload, pathToFileURL(sourceURL).href) as Module.SourceMapPayload);
    } catch {
      unreadable = true;
    }
    return real;
  };
  Object.defineProperty(cached, 'findEntry', {
    value: (line: number, column: number) => load()?.findEntry(line, column) ?? {},
    configurable: true,
    writable: true,
  });
  Object.defineProperty(cached, 'payload', { get: () => load()?.payload ?? fallback, configurable: true });
}
