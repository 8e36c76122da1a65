/**
 * The last few parses, by text, for a caller that parses the same sources again and again: the
 * redirect planner, where the code a save's patch runs is the next save's running code, and the new
 * source is parsed to plan it, to check the patched result and to compile its functions. A parse
 * of a big module is expensive both ways (about 0.7 s and 40 MB for 1.5 MB of source), so the
 * cache holds two and forgets them when it has not been used for a while.
 */
import { parseSource, type ParseFailure, type ParsedSource, type SourceType } from './parse.js';

export type Parse = (text: string, sourceType: SourceType) => ParsedSource | ParseFailure;

export function parseCache(options: { readonly size: number; readonly idleMs: number }): Parse {
  const recent = new Map<SourceType, Map<string, ParsedSource | ParseFailure>>();
  let idle: NodeJS.Timeout | undefined;
  return (text, sourceType) => {
    clearTimeout(idle);
    idle = setTimeout(() => recent.clear(), options.idleMs).unref();
    let byText = recent.get(sourceType);
    if (byText === undefined) recent.set(sourceType, (byText = new Map<string, ParsedSource | ParseFailure>()));
    let result = byText.get(text);
    if (result !== undefined) byText.delete(text); // Re-inserted below: the newest last.
    result ??= parseSource(text, sourceType);
    byText.set(text, result);
    for (const oldest of byText.keys()) {
      if (byText.size <= options.size) break;
      byText.delete(oldest);
    }
    return result;
  };
}
