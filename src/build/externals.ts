/**
 * The npm packages an artifact leaves to the host's `require`, with the version each resolves to
 * from the plugin directory at build time: the host can compare them with what it has installed.
 */
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import type { Metafile } from 'esbuild';
import type { ExternalDependency } from '../artifact/manifest.js';

/** Package names (`pkg`, `@scope/pkg`) of the external bare imports in a metafile, sorted. */
export function externalPackageNames(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.values(metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.external !== true || isBuiltin(imported.path)) continue;
      const name = packageName(imported.path);
      if (name !== undefined) names.add(name);
    }
  }
  return [...names].sort();
}

/** `pkg/sub/path` → `pkg`, `@scope/pkg/sub` → `@scope/pkg`; undefined for paths and URLs. */
export function packageName(specifier: string): string | undefined {
  // Relative, absolute (POSIX or Windows) and scheme-qualified specifiers are not packages.
  if (/^(\.|\/|\\|[a-zA-Z]:[\\/]|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  if (specifier.startsWith('@')) {
    return parts.length >= 2 && parts[1] !== '' ? `${parts[0]}/${parts[1]}` : undefined;
  }
  return parts[0] === '' ? undefined : parts[0];
}

/** Node's lookup order: node_modules/<name> in the plugin directory, then in each ancestor. */
export async function resolveInstalledVersion(name: string, fromDir: string): Promise<string | null> {
  let dir = fromDir;
  for (;;) {
    const version = await readVersion(join(dir, 'node_modules', name, 'package.json'));
    if (version !== undefined) return version;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

async function readVersion(packageJson: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(packageJson, 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

export async function collectExternals(metafile: Metafile, pluginDir: string): Promise<ExternalDependency[]> {
  return Promise.all(
    externalPackageNames(metafile).map(async (name) => ({ name, version: await resolveInstalledVersion(name, pluginDir) })),
  );
}
