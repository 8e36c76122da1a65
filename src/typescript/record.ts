/**
 * The marker hotswap's TypeScript loader ends each transformed file with (see transform.ts): how
 * the running JavaScript was made. Reading it needs no esbuild, so the hotfix engine loads esbuild
 * only when it meets such a file.
 */
import { createHash } from 'node:crypto';

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

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
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
