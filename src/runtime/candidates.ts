/**
 * Where the plugins of the next generation come from: the manifests of a plugin directory (built
 * artifacts, loaded by the ArtifactLoader), or statically linked definitions.
 */
import { DuplicatePluginError } from '../errors.js';
import { discoverPlugins } from './discover.js';
import { PluginInstance, type LiveMembers } from './instance.js';
import type { Manifest } from '../artifact/manifest.js';
import type { ArtifactLoader } from './loader.js';
import { ResourceScope } from './resource-scope.js';
import type { Candidate } from './next-generation.js';

/**
 * A plugin linked into the program at build time (`hotswap build --static-linking` generates the
 * list). Its code is part of the program: it is loaded once and never reloaded.
 */
export interface StaticPlugin {
  readonly name: string;
  readonly version: string;
  /** The plugin root module's default export: `definePlugin({...})`. */
  readonly definition: unknown;
  readonly live?: {
    readonly functions: Readonly<Record<string, unknown>>;
    readonly types: Readonly<Record<string, unknown>>;
  };
}

/** Candidates from the manifests in `dir` (only the whitelisted ones, when there is a whitelist). */
export async function artifactCandidates(
  dir: string,
  whitelist: readonly string[] | undefined,
  loader: ArtifactLoader,
): Promise<Candidate[]> {
  const manifests = await discoverPlugins(dir, whitelist);
  return manifests.map((manifest) => ({
    name: manifest.name,
    sha256: manifest.sha256,
    instantiate: () => loadInstance(loader, manifest, dir),
  }));
}

/**
 * A new instance of the artifact `manifest` names (read from `file` when given), in a resource
 * scope of its own. If the artifact fails to load or is not a plugin, what its evaluation started
 * (a timer at the top of a module) is stopped before the error is thrown.
 */
export async function loadInstance(loader: ArtifactLoader, manifest: Manifest, dir: string, file?: string): Promise<PluginInstance> {
  const scope = new ResourceScope(`${manifest.name}@${manifest.version}`);
  try {
    const { exports } = await loader.load(manifest, dir, file === undefined ? { scope } : { file, scope });
    return PluginInstance.fromExports(manifest, dir, exports, scope);
  } catch (error) {
    await scope.dispose();
    throw error;
  }
}

/** Candidates from statically linked plugins; names that differ only in case are refused. */
export function staticCandidates(plugins: readonly StaticPlugin[], whitelist: readonly string[] | undefined): Candidate[] {
  const seen = new Map<string, string>();
  for (const plugin of plugins) {
    const clash = seen.get(plugin.name.toLowerCase());
    if (clash !== undefined) throw new DuplicatePluginError(clash, plugin.name);
    seen.set(plugin.name.toLowerCase(), plugin.name);
  }
  return plugins
    .filter((plugin) => whitelist === undefined || whitelist.includes(plugin.name))
    .map((plugin) => ({
      name: plugin.name,
      sha256: `static:${plugin.version}`,
      instantiate: () =>
        Promise.resolve(
          PluginInstance.fromStatic(
            { name: plugin.name, version: plugin.version, sha256: `static:${plugin.version}`, manifest: undefined },
            plugin.definition,
            plugin.live as LiveMembers | undefined,
          ),
        ),
    }));
}
