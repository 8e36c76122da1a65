/** Paths of the example sources, from the compiled drivers and tests (dist/...) back to the source tree. */
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/examples/shared/ → ./). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `examples/<name>/...` in the source tree, as an absolute path. */
export function exampleSource(name: string, ...parts: readonly string[]): string {
  return join(REPO_ROOT, 'examples', name, ...parts);
}

/** `path` relative to the working directory when it is inside it (shorter to read), else as given. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
