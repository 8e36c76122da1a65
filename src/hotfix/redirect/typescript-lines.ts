/**
 * A TypeScript file is planned as the JavaScript its transform makes (types, comments and blank
 * lines gone), so the planner's refusals name lines of that JavaScript. The transform carries an
 * inline source map: through it, each refusal names the line and column of the .ts file the
 * developer wrote, in its location and in its text.
 */
import { SourceMap } from 'node:module';
import { inlinePayload, sourceMappingUrl } from '../../source-map/payload.js';
import type { Refusal } from '../types.js';

export function refusalsInTypeScript(refusals: readonly Refusal[], javaScript: string): readonly Refusal[] {
  const url = sourceMappingUrl(javaScript);
  let payload;
  try {
    payload = url === undefined ? undefined : inlinePayload(url);
  } catch {
    return refusals;
  }
  if (payload === undefined) return refusals;
  // The payload was checked for what Node needs (payload.ts); Node's type wants `file` as well.
  const map = new SourceMap(payload as ConstructorParameters<typeof SourceMap>[0]);
  return refusals.map((refusal) => {
    const at = refusal.location;
    // A refusal about the running code (something removed) names a line of that code: left as it is.
    if (at === undefined || refusal.reason.includes('of the running code')) return refusal;
    const entry = map.findEntry(at.line - 1, at.column - 1) as { originalLine?: number; originalColumn?: number };
    if (entry.originalLine === undefined || entry.originalColumn === undefined) return refusal;
    const line = entry.originalLine + 1;
    return {
      ...refusal,
      location: { line, column: entry.originalColumn + 1 },
      reason: refusal.reason.replaceAll(`line ${at.line}`, `line ${line}`),
    };
  });
}
