/**
 * The artifact format: one CommonJS-shaped bundle that the runtime compiles with
 * `new Function(...ARTIFACT_PARAMETERS, source + sourceURL comment)`.
 *
 * Why a compiled function: of the mechanisms measured (import with a query string, require.cache,
 * vm.compileFunction, vm.Script, new Function) only the vm/Function ones let old versions be
 * collected once V8's compilation cache is off. Node registers source maps only for `new Function`
 * code with a `//# sourceURL=`; the default loader compiles through `vm.Script` (to use a code cache
 * made in a worker) and registers the map for the same URL with an empty `new Function`. Both put
 * two lines before the body, so the builder shifts the inline source map down by WRAPPER_LINES lines.
 */
import { join } from 'node:path';

/** Parameter names of the function the artifact body is compiled into. */
export const ARTIFACT_PARAMETERS = ['module', 'exports', 'require', '__filename', '__dirname'] as const;

/** Lines `new Function` adds before the body (`function anonymous(...\n) {\n`). */
export const WRAPPER_LINES = 2;

/**
 * The artifact's second export besides `default`: the live functions and live types the builder
 * found, `{ functions: { name: fn }, types: { name: class } }`. Names match the manifest's `live`.
 */
export const LIVE_EXPORT = '__hotswapLive';

/** The default live prefix (`hotswap build --live-prefix`), matched case-insensitively. */
export const DEFAULT_LIVE_PREFIX = 'live_';

/** Content-addressed artifact file name: a new build never overwrites the file a host may be reading. */
export function artifactFileName(plugin: string, sha256: string): string {
  return `${plugin}.${sha256.slice(0, 12)}.js`;
}

/**
 * The stable path every version of a plugin is compiled under (its `//# sourceURL`). Node keeps one
 * source map per URL, so a stable URL keeps memory flat over reloads; the builder emits the bundle
 * as if it were this file, so relative `sources` in the map resolve to the original .ts files.
 */
export function stableArtifactPath(outDir: string, plugin: string): string {
  return join(outDir, `${plugin}.js`);
}
