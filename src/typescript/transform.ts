/**
 * How hotswap's TypeScript loader turns a .ts file into the JavaScript that runs, and how the
 * hotfix engine turns a patched .ts file into JavaScript that lines up with it: the same function,
 * the same esbuild version and options. The running code ends with a marker comment naming all of
 * that (and the hash of the .ts source), so the engine can check it transforms a patch exactly as
 * the running file was transformed, with no channel from the loader thread.
 */
import { createHash } from 'node:crypto';
import { transformSync, version as esbuildVersion } from 'esbuild';

/** The marker's prefix; what follows is JSON. */
export const TRANSFORM_MARKER = '//# hotswap-transform=';

export interface TransformRecord {
  /** esbuild version that transformed the file. */
  readonly esbuild: string;
  /** esbuild loader and target used. */
  readonly loader: 'ts' | 'tsx';
  readonly target: string;
  /** sha256 (hex) of the TypeScript source as it was on disk. */
  readonly sourceHash: string;
}

const TARGET = 'node20';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * TypeScript to ES module JavaScript with an inline source map (stack traces and debuggers show the
 * .ts lines) and the transform marker as the last line.
 */
export function transformTypeScript(source: string, filename: string): { code: string; record: TransformRecord } {
  const loader = filename.endsWith('.tsx') ? 'tsx' : 'ts';
  const result = transformSync(source, {
    loader,
    format: 'esm',
    target: TARGET,
    sourcemap: 'inline',
    sourcefile: filename,
    // Keep names and layout stable between the running file and a patch of it.
    keepNames: false,
    minify: false,
  });
  const record: TransformRecord = { esbuild: esbuildVersion, loader, target: TARGET, sourceHash: sha256(source) };
  return { code: `${result.code}${TRANSFORM_MARKER}${JSON.stringify(record)}\n`, record };
}

/** The record at the end of code transformed by `transformTypeScript`, if any. */
export function readTransformRecord(code: string): TransformRecord | undefined {
  const at = code.lastIndexOf(TRANSFORM_MARKER);
  if (at === -1) return undefined;
  const line = code.slice(at + TRANSFORM_MARKER.length).split('\n', 1)[0] ?? '';
  try {
    const value = JSON.parse(line) as Partial<TransformRecord>;
    if (typeof value.esbuild !== 'string' || typeof value.sourceHash !== 'string') return undefined;
    return value as TransformRecord;
  } catch {
    return undefined;
  }
}
