/**
 * Which files hotswap's loader instruments for redirection, and the instrumenting itself as the
 * loader calls it (for ES modules on the loader's thread, for CommonJS in the thread that requires).
 *
 * By default: every file of the app (a `file:` path not under node_modules), none of hotswap's own.
 * `HOTSWAP_REDIRECT=off` turns it off; `HOTSWAP_REDIRECT_PACKAGES=express,body-parser` (or `*`)
 * also instruments those packages under node_modules.
 */
import { fileURLToPath } from 'node:url';
import { sep } from 'node:path';
import { describe } from '../../errors.js';
import { sha256 } from '../source.js';
import type { SourceType } from '../planner/parse.js';
import { instrument } from './instrument.js';
import { installedRuntime } from './runtime.js';

export interface RedirectLoaderOptions {
  readonly enabled: boolean;
  /** Packages under node_modules to instrument too; `'*'` for all. */
  readonly packages: readonly string[] | '*';
}

export function redirectOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RedirectLoaderOptions {
  const flag = (env['HOTSWAP_REDIRECT'] ?? '').trim().toLowerCase();
  const list = (env['HOTSWAP_REDIRECT_PACKAGES'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  return { enabled: !['0', 'off', 'false', 'no'].includes(flag), packages: list.includes('*') ? '*' : list };
}

// hotswap's own code (dist/src and src of this package) is never instrumented.
const OWN_ROOTS = [fileURLToPath(new URL('../../', import.meta.url)), fileURLToPath(new URL('../../../../src/', import.meta.url))];

/** The package a path under node_modules belongs to (`express`, `@scope/name`), or undefined. */
export function packageOf(path: string): string | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = path.lastIndexOf(marker);
  if (at === -1) return undefined;
  const parts = path.slice(at + marker.length).split(sep);
  const first = parts[0] ?? '';
  return first.startsWith('@') ? `${first}/${parts[1] ?? ''}` : first;
}

export function shouldInstrument(path: string, options: RedirectLoaderOptions): boolean {
  if (!options.enabled) return false;
  if (OWN_ROOTS.some((root) => path.startsWith(root))) return false;
  const pkg = packageOf(path);
  if (pkg === undefined) return true;
  return options.packages === '*' || options.packages.includes(pkg);
}

/**
 * The code to run for a module: instrumented, or, when that fails (it does not parse as the
 * loader expected, it uses hotswap's reserved names), as it is, with a warning.
 * `onDisk` is the file's text as read (what the runtime checks it against), `code` the JavaScript
 * made from it (the same text for a .js file).
 */
export function instrumentForLoader(path: string, onDisk: string, code: string, sourceType: SourceType): string {
  try {
    const hash = sha256(onDisk);
    const instrumented = instrument(code, sourceType, path, hash).code;
    // Where the loader runs in the module's own thread (CommonJS; ES modules on Node 22.15+), the
    // runtime takes the text from here instead of reading the file back when the module registers.
    installedRuntime()?.handOver(path, onDisk, hash);
    return instrumented;
  } catch (error) {
    process.emitWarning(`hotswap: ${path} runs without redirection (hotfixes of it will use LiveEdit): ${describe(error)}`, { code: 'HOTSWAP_REDIRECT' });
    return code;
  }
}
