/**
 * The scripts of one thread, as V8 reports them. `Debugger.enable` replays a `Debugger.scriptParsed`
 * event for every script still alive, so code loaded before the engine existed is found without a
 * start-up flag. Node 20.19+ and 24 report ES modules and CommonJS modules alike with a `file:` URL
 * (an ES module imported with a query keeps it: `file:///app/x.mjs?v=2`); an absolute path as URL
 * (older CommonJS loaders, `vm` code given a filename) is matched too.
 */
import { isAbsolute, resolve } from 'node:path';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ScriptInfo {
  readonly scriptId: string;
  readonly url: string;
  /** The file the script was loaded from, when its URL names one. */
  readonly path: string | undefined;
  readonly isModule: boolean;
}

/** The subset of `Debugger.scriptParsed` params the registry reads. */
export interface ScriptParsedParams {
  readonly scriptId: string;
  readonly url: string;
  readonly isModule?: boolean;
}

const caseInsensitive = process.platform === 'win32' || process.platform === 'darwin';

function key(path: string): string {
  return caseInsensitive ? path.toLowerCase() : path;
}

/** The file a script URL names: a `file:` URL without its query and hash, or an absolute path. */
export function scriptPath(url: string): string | undefined {
  if (url.startsWith('file:')) {
    try {
      const parsed = new URL(url);
      parsed.search = '';
      parsed.hash = '';
      return fileURLToPath(parsed);
    } catch {
      return undefined;
    }
  }
  if (url !== '' && isAbsolute(url)) return url;
  return undefined;
}

/**
 * The paths a patch file may be loaded under: itself (a `file:` URL converted, a relative path
 * resolved against `root`) and, when it exists and differs, its real path, since Node loads a
 * module through a symbolic link under its real path.
 */
export function patchFilePaths(file: string, root: string): string[] {
  const path = file.startsWith('file:') ? fileURLToPath(file) : resolve(root, file);
  const paths = [path];
  try {
    const real = realpathSync(path);
    if (real !== path) paths.push(real);
  } catch {
    // Not on disk (any more): the script may still be loaded under this path.
  }
  return paths;
}

export class ScriptRegistry {
  private readonly byId = new Map<string, ScriptInfo>();
  private readonly byPath = new Map<string, ScriptInfo[]>();
  private readonly byUrl = new Map<string, string>();
  /** Copies of old sources LiveEdit made (see ledger.ts): reported like scripts, but not the module. */
  private excluded: (scriptId: string) => boolean = () => false;

  setExcluded(excluded: (scriptId: string) => boolean): void {
    this.excluded = excluded;
  }

  add(params: ScriptParsedParams): void {
    const path = scriptPath(params.url);
    const info: ScriptInfo = { scriptId: params.scriptId, url: params.url, path, isModule: params.isModule === true };
    this.byId.set(info.scriptId, info);
    this.byUrl.set(info.url, info.scriptId);
    if (path === undefined) return;
    const list = this.byPath.get(key(path));
    if (list === undefined) this.byPath.set(key(path), [info]);
    else list.push(info);
  }

  has(scriptId: string): boolean {
    return this.byId.has(scriptId);
  }

  /** A script reported in this session that is not a copy LiveEdit made: code that is current. */
  isCurrent(scriptId: string): boolean {
    return this.byId.has(scriptId) && !this.excluded(scriptId);
  }

  /** The id of the last script reported with this URL. */
  idOf(url: string): string | undefined {
    return this.byUrl.get(url);
  }

  get(scriptId: string): ScriptInfo | undefined {
    return this.byId.get(scriptId);
  }

  /** Every live script loaded from one of `paths` (a module imported with two queries is two scripts). */
  find(paths: readonly string[]): ScriptInfo[] {
    const seen = new Set<string>();
    const found: ScriptInfo[] = [];
    for (const path of paths) {
      for (const info of this.byPath.get(key(path)) ?? []) {
        if (!seen.has(info.scriptId) && !this.excluded(info.scriptId)) {
          seen.add(info.scriptId);
          found.push(info);
        }
      }
    }
    return found;
  }

  /** Forgets everything: the registry is filled anew on each `Debugger.enable`. */
  clear(): void {
    this.byId.clear();
    this.byPath.clear();
    this.byUrl.clear();
  }

  get size(): number {
    return this.byId.size;
  }
}
