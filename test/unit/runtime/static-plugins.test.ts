/**
 * Statically linked plugins: the same lifecycle with no dynamic loading, and no reload.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PluginManager, type StaticPlugin } from '../../../src/index.js';
import { definePlugin, type Vault } from '../../../src/plugin/index.js';

describe('static plugins', () => {
  function linked(events: string[]): StaticPlugin[] {
    const base = definePlugin({
      onLoad: () => void events.push('onLoad base'),
      export: () => ({ greeting: 'hello' }),
      onFree: () => void events.push('onFree base'),
    });
    const app = definePlugin<{ app?: string }, { greet: (name: string) => string }, { base: { greeting: string } }>({
      import: ['base'],
      onLoad(_data, ctx) {
        events.push(`onLoad app sees ${ctx.deps.base.greeting}`);
      },
      onVault(vault: Vault<{ app?: string }>) {
        vault.extension.app = 'filled';
      },
      onFree: () => void events.push('onFree app'),
      functions: { greet: (name: string) => `hello ${name}` },
    });
    return [
      { name: 'app', version: 'static', definition: app, live: { functions: { live_ping: () => 'pong' }, types: {} } },
      { name: 'base', version: 'static', definition: base },
    ];
  }

  it('runs the lifecycle in dependency order, with live functions, and refuses reload', async () => {
    const events: string[] = [];
    const extensions: { app?: string }[] = [];
    const manager = new PluginManager<{ app?: string }>({
      staticPlugins: linked(events),
      extension: () => {
        const ext = {};
        extensions.push(ext);
        return ext;
      },
    });
    const loaded = await manager.load();
    assert.ok(loaded.ok);
    assert.deepEqual(events, ['onLoad base', 'onLoad app sees hello']);
    assert.equal(manager.invoke('app', 'greet', 'ann'), 'hello ann');
    assert.equal(manager.callLive('live_ping'), 'pong');
    assert.deepEqual(extensions, [{ app: 'filled' }]);
    const reload = await manager.reload();
    assert.ok(!reload.ok);
    assert.equal(reload.error.code, 'HOTSWAP_ERR_STATIC_RELOAD');
    assert.equal(manager.invoke('app', 'greet', 'bob'), 'hello bob', 'still serving');
    assert.throws(() => manager.usePluginDir('/elsewhere'), { code: 'HOTSWAP_ERR_STATIC_RELOAD' });
    await manager.close();
    assert.deepEqual(events.slice(2), ['onFree app', 'onFree base']);
  });

  it('refuses an invalid definition and names that differ only in case', async () => {
    const bad = new PluginManager({ staticPlugins: [{ name: 'x', version: '1', definition: { functions: {} } }] });
    const outcome = await bad.load();
    assert.ok(!outcome.ok);
    assert.deepEqual([outcome.error.code, outcome.plugin], ['HOTSWAP_ERR_PLUGIN_INVALID', 'x']);
    const definition = definePlugin({});
    const twins = new PluginManager({
      staticPlugins: [
        { name: 'Chat', version: '1', definition },
        { name: 'chat', version: '1', definition },
      ],
    });
    const clash = await twins.load();
    assert.ok(!clash.ok);
    assert.equal(clash.error.code, 'HOTSWAP_ERR_DUPLICATE_PLUGIN');
  });

  it('takes pluginDir or staticPlugins, not both', () => {
    assert.throws(() => new PluginManager({ pluginDir: 'x', staticPlugins: [] }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
    assert.throws(() => new PluginManager({}), /pluginDir/);
  });
});
