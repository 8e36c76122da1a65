/**
 * Plugin source maps read on first use (src/runtime/lazy-source-map.ts): the loader compiles an
 * empty map in place of the artifact's inline one and points Node's cached entry at the real map.
 */
import assert from 'node:assert/strict';
import { findSourceMap } from 'node:module';
import { describe, it } from 'node:test';
import { stableArtifactPath } from '../../../src/artifact/format.js';
import { PluginManager } from '../../../src/index.js';
import { splitInlineSourceMap } from '../../../src/runtime/lazy-source-map.js';
import { ok } from '../../helpers/outcomes.js';
import { workspacePerTest } from '../../helpers/workspace.js';

describe('splitInlineSourceMap', () => {
  it('takes the last inline map comment out and compiles an empty map in its place', () => {
    const map = 'data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==';
    const { code, mapUrl } = splitInlineSourceMap(`a();\n//# sourceMappingURL=${map}\n`);
    assert.equal(mapUrl, map);
    assert.match(code, /^a\(\);\n\/\/# sourceMappingURL=data:application\/json;base64,[A-Za-z0-9+/=]+\n$/);
    assert.doesNotMatch(code, /eyJ2ZXJzaW9uIjozfQ/);
  });

  it('leaves code with no inline map, or with the text elsewhere than at a line start, as it is', () => {
    for (const text of ['a();\n', 'a();\n//# sourceMappingURL=app.js.map\n', "const s = '//# sourceMappingURL=data:application/json,{}';\n"]) {
      assert.deepEqual(splitInlineSourceMap(text), { code: text, mapUrl: undefined });
    }
  });
});

describe('plugin stack traces with the map read on first use', () => {
  const fx = workspacePerTest();
  const thrower = (padding: number) =>
    [
      "import { definePlugin } from 'hotswap/plugin';",
      ...Array.from({ length: padding }, (_, i) => `// padding ${i}`),
      'function fail(): never {',
      "  throw new Error('bad');",
      '}',
      'export default definePlugin({ functions: { fail: () => fail() } });',
      '',
    ].join('\n');

  const failLine = () => {
    try {
      fx.manager?.invoke('thrower', 'fail');
    } catch (error) {
      return /thrower[/\\]index\.ts:(\d+):\d+/.exec((error as Error).stack ?? '')?.[1];
    }
    return 'did not throw';
  };

  it('maps each version to its own .ts lines across reloads, and Node hands out the real map', async () => {
    await fx.ws.plugin('thrower', thrower(0), 'v1');
    fx.manager = new PluginManager({ pluginDir: fx.ws.outDir });
    ok(await fx.manager.load());
    assert.equal(failLine(), '3');
    await fx.ws.plugin('thrower', thrower(4), 'v2');
    ok(await fx.manager.reload());
    assert.equal(failLine(), '7');
    const map = findSourceMap(stableArtifactPath(fx.ws.outDir, 'thrower'));
    assert.ok(map !== undefined);
    const index = map.payload.sources.findIndex((source) => /thrower[/\\]index\.ts$/.test(source));
    assert.ok(index >= 0, `sources: ${map.payload.sources.join(', ')}`);
    // The real map's payload, not the empty one compiled in its place (artifacts carry no sourcesContent).
    assert.ok(map.payload.mappings.length > 0);
  });
});
