/**
 * The modules this thread loaded through the redirection loader, each with the `baseHash` a patch of
 * it must carry now: what `hotswap dev` asks before it patches a saved file (a file the app never
 * loaded is left alone; one it did is patched against exactly what runs).
 */
import { sha256 } from '../source.js';
import { installedRuntime } from './runtime.js';
import { isTypeScriptPath, type ModuleState } from './state.js';

export interface LoadedModule {
  /** Absolute path of the module's file. */
  readonly file: string;
  /**
   * sha256 a patch's `baseHash` must be: of the source the file was loaded from for TypeScript
   * (patches are planned against its transform), of the code as patched so far for JavaScript.
   */
  readonly baseHash: string;
}

export function loadedModules(): LoadedModule[] {
  const runtime = installedRuntime();
  if (runtime === undefined) return [];
  const modules: LoadedModule[] = [];
  for (const module of runtime.modules.values()) {
    if (module.loaded === undefined) continue;
    const state = module.state as ModuleState | undefined;
    const base = isTypeScriptPath(module.path) ? module.loaded : (state?.running ?? module.loaded);
    modules.push({ file: module.path, baseHash: sha256(base) });
  }
  return modules.sort((a, b) => a.file.localeCompare(b.file));
}
