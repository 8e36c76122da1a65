/**
 * How hotswap's TypeScript loader turns a .ts file into the JavaScript that runs, and how the
 * hotfix engine turns a patched .ts file into JavaScript that lines up with it: the same function,
 * the same esbuild version and options. The running code ends with a marker comment naming all of
 * that (and the hash of the .ts source), so the engine can check it transforms a patch exactly as
 * the running file was transformed, with no channel from the loader thread.
 */
import { transformSync, version as esbuildVersion } from 'esbuild';
import { TRANSFORM_MARKER, sha256, type TransformRecord } from './record.js';

export { readTransformRecord, sha256, TRANSFORM_MARKER, type TransformRecord } from './record.js';

const TARGET = 'node20';

/** The esbuild that transforms, to compare with a running file's record. */
export { esbuildVersion };

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
