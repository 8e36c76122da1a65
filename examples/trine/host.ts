/**
 * The trine host: three plugins in a dependency chain, gamma → beta → alpha. A call goes to gamma,
 * which calls beta's exports, which call alpha's.
 *
 *   node dist/examples/trine/host.js --plugins <dir built by `hotswap build`> [--pid-file f] [--free-delay ms]
 *
 * Commands on stdin: `call <name>` (manager.invoke('gamma', 'chain', name)), `reload`, `status`.
 * Each `reload` event has the outcome's `summary` and `details`: which plugins were reloaded, which
 * were loaded afresh because a plugin they import was, and why; or the refusal, e.g.
 * {"event":"reload","ok":false,"stage":"dependencies","code":"HOTSWAP_ERR_CYCLIC_DEPENDENCY",...}.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PluginManager } from 'hotswap';
import { serve } from '../shared/host-io.js';
import type { Chain } from './exports.js';

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: 'examples/trine/build' },
    'pid-file': { type: 'string' },
    'free-delay': { type: 'string' },
  },
});
const freeDelay = values['free-delay'] === undefined ? undefined : Number(values['free-delay']);

const manager = new PluginManager({ pluginDir: resolve(values.plugins), ...(freeDelay === undefined ? {} : { freeDelay }) });

function answer(words: readonly string[]): Record<string, unknown> {
  const [command, ...name] = words;
  if (command !== 'call') throw new Error(`unknown command "${command ?? ''}": try call <name>, reload, status`);
  const chain = manager.invoke<Chain>('gamma', 'chain', name.join(' ') || 'world');
  return { path: chain.path, greeting: chain.greeting };
}

await serve({ manager, pidFile: values['pid-file'], handle: (words) => manager.pin(() => answer(words)) });
