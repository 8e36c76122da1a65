/**
 * Files run through hotswap's TypeScript loader (`hotswap run`, `node --import hotswap/register`):
 * what runs is JavaScript that esbuild made from the .ts file, ending with a marker that records
 * how (see src/typescript/transform.ts). A patch of such a file carries the new .ts source and the
 * hash of the old .ts source; the engine checks the hash against the marker and transforms the new
 * source exactly as the running file was transformed, so the two line up for the planner.
 */
import { readTransformRecord } from '../typescript/record.js';

export type TypeScriptSource =
  | { readonly kind: 'not-typescript' }
  /** The running file was transformed by another esbuild: a patch would not line up. */
  | { readonly kind: 'other-transform'; readonly esbuild: string; readonly ours: string }
  | {
      readonly kind: 'typescript';
      /** sha256 of the .ts source the running code was made from. */
      readonly sourceHash: string;
      /** The patch's new .ts source, transformed like the running file. */
      readonly newJavaScript: string;
    };

/**
 * Recognises a script made by the TypeScript loader and prepares the patch's source for it
 * (esbuild is loaded then, and only then).
 */
export async function typeScriptSource(runningSource: string, file: string, newSource: string): Promise<TypeScriptSource> {
  const record = readTransformRecord(runningSource);
  if (record === undefined) return { kind: 'not-typescript' };
  const { transformTypeScript, esbuildVersion } = await import('../typescript/transform.js');
  if (record.esbuild !== esbuildVersion) return { kind: 'other-transform', esbuild: record.esbuild, ours: esbuildVersion };
  return { kind: 'typescript', sourceHash: record.sourceHash, newJavaScript: transformTypeScript(newSource, file).code };
}
