/**
 * The extension host: a command interpreter whose commands come from plugins. Each generation gets
 * a new, empty command table (the `extension()` factory); every plugin fills it in `onVault`; a
 * command line is answered from the table of the current generation.
 *
 *   node dist/examples/extension/host.js --plugins <dir built by `hotswap build`> [--pid-file f] [--free-delay ms]
 *
 * Type `help`, `add 2 3`, `upper hello`, `reload`, `status` on stdin; each answer is a JSON line
 * (see ../shared/host-io.ts). Reloads on SIGUSR2 (`hotswap reload --pid <pid>`).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PluginManager } from 'hotswap';
import { serve } from '../shared/host-io.js';
import type { CommandTable } from './commands.js';

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: 'examples/extension/build' },
    'pid-file': { type: 'string' },
    'free-delay': { type: 'string' },
  },
});
const freeDelay = values['free-delay'] === undefined ? undefined : Number(values['free-delay']);

const manager = new PluginManager<CommandTable>({
  // Absolute, so the plugins' source URLs do not depend on the working directory.
  pluginDir: resolve(values.plugins),
  // A new table per generation: what a plugin registers never leaks into the next generation, and
  // a reload that fails leaves the current table untouched.
  extension: () => ({ commands: new Map() }),
  ...(freeDelay === undefined ? {} : { freeDelay }),
});

function answer(words: readonly string[]): Record<string, unknown> {
  // manager.vault is the current generation's vault (inside pin: the pinned one).
  const { extension, generation } = manager.vault;
  const [name = '', ...args] = words;
  if (name === 'help') {
    const commands = [...extension.commands].map(([command, c]) => ({ command, by: `${c.plugin} ${c.version}`, help: c.help }));
    return { generation, commands };
  }
  const command = extension.commands.get(name);
  if (command === undefined) {
    throw new Error(`unknown command "${name}"; generation ${generation} has: ${[...extension.commands.keys()].join(', ')}`);
  }
  return { generation, by: `${command.plugin} ${command.version}`, result: command.run(args) };
}

await serve({
  manager,
  pidFile: values['pid-file'],
  // pin: the call counts as in flight on the generation whose table it reads, so that generation
  // is not freed under it if a reload swaps meanwhile.
  handle: (words) => manager.pin(() => answer(words)),
});
