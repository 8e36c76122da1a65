/**
 * Plugin sources for tests. Plugins record what happens to them in `globalThis.__events` (see
 * pluginEvents()), so tests can assert on hook order without any plugin-to-test plumbing.
 */

/** A plugin root module whose definePlugin({...}) body is `members`. */
export function pluginSource(members: string, prelude = ''): string {
  return [
    "import { definePlugin } from 'hotswap/plugin';",
    // Looked up at each call: a test may start a fresh event list after the plugin was loaded.
    'function record(event: string): void { ((globalThis as { __events?: string[] }).__events ??= []).push(event); }',
    prelude,
    `export default definePlugin({${members}});`,
    '',
  ].join('\n');
}

/**
 * A plugin that records each hook as `<hook> <name>@<tag>` and answers `version()` with `tag`.
 * `extra` adds members (hooks given there replace the recording ones).
 */
export function recordingPlugin(name: string, tag: string, extra = ''): string {
  return pluginSource(`
    onLoad(data: unknown) { record('onLoad ${name}@${tag} ' + JSON.stringify(data ?? null)); },
    onInit(vault: { extension: Record<string, unknown> }) {
      record('onInit ${name}@${tag}');
      vault.extension['${name}'] = '${tag}';
    },
    onFree() { record('onFree ${name}@${tag}'); },
    functions: {
      version: () => '${tag}',
      wait: (gate: Promise<unknown>) => gate.then(() => '${tag}'),
    },
    ${extra}
  `);
}
