/**
 * What the WebSocket benchmark's clients and servers say to each other, and the code that computes
 * the reply: as a hotswap plugin (built for real, one build per version) and as a plain ES module
 * (for the same server under `node --watch`).
 *
 * A client sends `{"seq":n}` with n = 1, 2, 3, ... on each connection. The server (the host) keeps a
 * counter per connection, increments it, and sends back what the reply code computes from both:
 * `{"seq":n,"count":c,"version":"v7"}`. The client checks that the replies come in order (`seq`) and
 * that the counter goes on without a gap (`count`: the host's per-connection state was kept).
 */
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestFileName, type Manifest } from '../../../src/artifact/manifest.js';
import { buildPlugins } from '../../../src/build/index.js';

export const PLUGIN_NAME = 'wsreply';

export interface WsRequest {
  readonly seq: number;
}

export interface WsReply {
  readonly seq: number;
  readonly count: number;
  readonly version: string;
}

/** The reply function's body, shared by the plugin and the plain module so both do the same work. */
function replyBody(version: string): string {
  return `const VERSION = '${version}';
export function reply(seq: number, count: number): { seq: number; count: number; version: string } {
  return { seq, count, version: VERSION };
}`;
}

/** The plugin's root module for `version`: `manager.invoke('wsreply', 'reply', seq, count)`. */
export function pluginSource(version: string): string {
  return `import { definePlugin } from 'hotswap/plugin';
${replyBody(version)}
export default definePlugin({ functions: { reply } });
`;
}

/** The same code as a plain ES module (types stripped), for the server run under `node --watch`. */
export function plainModuleSource(version: string): string {
  return replyBody(version).replace('(seq: number, count: number): { seq: number; count: number; version: string }', '(seq, count)') + '\n';
}

/** `v0`, `v1`, ...: the version label of build `index`. */
export function versionLabel(index: number): string {
  return `v${index}`;
}

/** A built version, ready to be installed into a host's plugin directory. */
export interface BuiltVersion {
  readonly version: string;
  readonly dir: string;
  readonly manifest: Manifest;
}

/**
 * Builds versions `0..count-1` of the plugin for real (esbuild, default settings), each into its own
 * directory under `root/versions`; about 15-20 ms each.
 */
export async function buildVersions(root: string, count: number): Promise<BuiltVersion[]> {
  const pluginDir = join(root, 'src', PLUGIN_NAME);
  await mkdir(pluginDir, { recursive: true });
  const built: BuiltVersion[] = [];
  for (let index = 0; index < count; index++) {
    const version = versionLabel(index);
    await writeFile(join(pluginDir, 'index.ts'), pluginSource(version));
    const dir = join(root, 'versions', version);
    const [result] = await buildPlugins({ pluginDirs: [pluginDir], outDir: dir, version });
    if (result === undefined) throw new Error('the builder returned no result');
    built.push({ version, dir, manifest: result.manifest });
  }
  return built;
}

/**
 * Puts a built version into `pluginDir` the way the builder writes: the artifact (content-addressed,
 * never overwritten in place) first, then the manifest renamed into place. A host reloading at any
 * moment sees the old pair or the new one.
 */
export async function installVersion(built: BuiltVersion, pluginDir: string): Promise<void> {
  await mkdir(pluginDir, { recursive: true });
  await copyFile(join(built.dir, built.manifest.artifact), join(pluginDir, built.manifest.artifact));
  const manifestPath = join(pluginDir, manifestFileName(built.manifest.name));
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(built.manifest, null, 2));
  await rename(`${manifestPath}.tmp`, manifestPath);
}

