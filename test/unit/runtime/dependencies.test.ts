/**
 * Plugin dependencies: `import`/`export`, dependency order for hooks, reverse order for onFree,
 * dependents reloaded with what they import, and the three graph errors.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import { pluginSource } from '../../helpers/plugin-source.js';
import { ok, failed } from '../../helpers/outcomes.js';
import { pluginEvents, recordingLogger, Workspace } from '../../helpers/workspace.js';


/** A plugin that imports `imports`, exports `describe()` = its tag plus what its imports describe. */
function chainPlugin(name: string, tag: string, imports: string[], extra = ''): string {
  return pluginSource(`
    import: ${JSON.stringify(imports)},
    onLoad(_data: unknown, ctx: { deps: Record<string, { describe(): string }> }) {
      record('onLoad ${name}@${tag} sees ' + Object.keys(ctx.deps).join('+'));
      deps = ctx.deps;
    },
    export() { return { describe: () => ['${name}@${tag}', ...Object.values(deps).map((d) => d.describe())].join(' > ') }; },
    onInit() { record('onInit ${name}@${tag}'); },
    onFree() { record('onFree ${name}@${tag}'); },
    functions: { describe: () => ['${name}@${tag}', ...Object.values(deps).map((d) => d.describe())].join(' > ') },
    ${extra}
  `, 'let deps: Record<string, { describe(): string }> = {};');
}

describe('plugin dependencies', () => {
  let ws: Workspace;
  let events: string[];
  let manager: PluginManager;
  const logger = recordingLogger();

  beforeEach(async () => {
    ws = await Workspace.create();
    events = pluginEvents();
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0, logger });
  });
  afterEach(async () => {
    await manager.close();
    await ws.dispose();
  });

  async function trine(): Promise<void> {
    // Names sort alpha, beta, gamma; the chain runs the other way so order is really by dependency.
    await ws.write('alpha', chainPlugin('alpha', '1', ['beta']));
    await ws.write('beta', chainPlugin('beta', '1', ['gamma']));
    await ws.write('gamma', chainPlugin('gamma', '1', []));
    await ws.build(['alpha', 'beta', 'gamma'], 'v1');
  }

  it('loads in dependency order with the imports handed over, and frees in reverse', async () => {
    await trine();
    const outcome = ok(await manager.load());
    assert.deepEqual(outcome.details.map((d) => d.name), ['gamma', 'beta', 'alpha']);
    assert.deepEqual(events, [
      'onLoad gamma@1 sees ',
      'onLoad beta@1 sees gamma',
      'onLoad alpha@1 sees beta',
      'onInit gamma@1',
      'onInit beta@1',
      'onInit alpha@1',
    ]);
    assert.equal(manager.invoke('alpha', 'describe'), 'alpha@1 > beta@1 > gamma@1');
    events.length = 0;
    await manager.close();
    assert.deepEqual(events, ['onFree alpha@1', 'onFree beta@1', 'onFree gamma@1']);
  });

  it('reloads the dependents of a rebuilt plugin, bound to its new exports', async () => {
    await trine();
    ok(await manager.load());
    events.length = 0;
    await ws.plugin('gamma', chainPlugin('gamma', '2', []), 'v2');
    const outcome = ok(await manager.reload());
    assert.deepEqual(
      outcome.details.map((d) => [d.name, d.status, d.version, d.reason]),
      [
        ['gamma', 'ok', 'v2', undefined],
        ['beta', 'ok', 'v1', 'a plugin it imports was reloaded: gamma'],
        ['alpha', 'ok', 'v1', 'a plugin it imports was reloaded: beta'],
      ],
    );
    assert.match(outcome.summary, /gamma v1 -> v2, beta v1 -> v1 \(a plugin it imports was reloaded: gamma\)/);
    assert.equal(manager.invoke('alpha', 'describe'), 'alpha@1 > beta@1 > gamma@2');
    assert.deepEqual(events.slice(0, 3), ['onLoad gamma@2 sees ', 'onLoad beta@1 sees gamma', 'onLoad alpha@1 sees beta']);
  });

  it('leaves plugins that do not import the rebuilt one alone', async () => {
    await trine();
    ok(await manager.load());
    await ws.plugin('alpha', chainPlugin('alpha', '2', ['beta']), 'v2');
    const outcome = ok(await manager.reload());
    assert.deepEqual(outcome.details.map((d) => `${d.name} ${d.status}`), ['gamma unchanged', 'beta unchanged', 'alpha ok']);
  });

  it('refuses an unknown dependency', async () => {
    await ws.plugin('alpha', chainPlugin('alpha', '1', ['ghost']));
    const outcome = failed(await manager.load());
    assert.deepEqual([outcome.stage, outcome.plugin, outcome.error.code], ['dependencies', 'alpha', 'HOTSWAP_ERR_UNKNOWN_DEPENDENCY']);
    assert.match(outcome.error.message, /"alpha" imports "ghost"/);
  });

  it('refuses a cycle and names it', async () => {
    await ws.write('a', chainPlugin('a', '1', ['b']));
    await ws.write('b', chainPlugin('b', '1', ['a']));
    await ws.build(['a', 'b']);
    const outcome = failed(await manager.load());
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_CYCLIC_DEPENDENCY');
    assert.equal(outcome.error.message, 'cyclic dependency detected: a -> b -> a');
    assert.deepEqual(events, [], 'no hook ran');
  });

  it('refuses a cycle introduced by a reload and keeps serving', async () => {
    await trine();
    ok(await manager.load());
    await ws.plugin('gamma', chainPlugin('gamma', '2', ['alpha']), 'v2');
    const outcome = failed(await manager.reload());
    assert.equal(outcome.error.message, 'cyclic dependency detected: alpha -> beta -> gamma -> alpha');
    assert.equal(manager.invoke('alpha', 'describe'), 'alpha@1 > beta@1 > gamma@1');
  });

  it('refuses a not-reloadable plugin that imports a reloadable one', async () => {
    await ws.write('alpha', chainPlugin('alpha', '1', ['beta'], 'reloadable: false,'));
    await ws.write('beta', chainPlugin('beta', '1', []));
    await ws.build(['alpha', 'beta']);
    const outcome = failed(await manager.load());
    assert.deepEqual([outcome.plugin, outcome.error.code], ['alpha', 'HOTSWAP_ERR_RELOADABLE_DEPENDENCY']);
  });

  it('calls a function on every plugin in dependency order, or backward, reporting failures', async () => {
    await ws.write('first', pluginSource(`import: ['second'], functions: { health: async () => 'first ok' },`));
    await ws.write('second', pluginSource(`import: ['third'], functions: { health: () => { throw new Error('second is down'); } },`));
    await ws.write('third', pluginSource(`functions: { health: () => 'third ok' },`));
    await ws.write('silent', pluginSource(`functions: { other: () => 1 },`));
    await ws.build(['first', 'second', 'third', 'silent']);
    ok(await manager.load());
    const forward = await manager.invokeEach('health');
    assert.deepEqual(
      forward.map((r) => [r.plugin, r.ok, r.ok ? r.value : (r.error as Error).message]),
      [
        ['third', true, 'third ok'],
        ['second', false, 'second is down'],
        ['first', true, 'first ok'],
      ],
    );
    assert.ok(logger.lines.some((l) => l.includes('health() of plugin "second" failed')));
    const backward = await manager.invokeEachBackward('health');
    assert.deepEqual(backward.map((r) => r.plugin), ['first', 'second', 'third']);
  });
});
