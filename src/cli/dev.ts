/**
 * `hotswap dev <entry> [--plugins DIR...] [--out DIR] [--no-restart] [--json] [-- app args]`:
 * the app runs through hotswap's loader; plugins are rebuilt and reloaded on save, the app's own
 * functions patched in place, and the app restarted, with the reason printed, only when a change
 * cannot be applied live (see src/dev/session.ts).
 */
import type { Command } from 'commander';
import { requireFile } from '../inputs.js';

interface DevCommandOptions {
  plugins?: string[];
  out: string;
  restart: boolean;
  json?: boolean;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run an app for development: plugins rebuilt and reloaded on save, app functions patched in place, a restart only when a change cannot be applied live')
    .argument('<entry>', 'the app, e.g. src/server.ts')
    .argument('[args...]', 'arguments for the app (after --)')
    .option('--plugins <dirs...>', 'plugin directories to build and reload on save (the app reads them from HOTSWAP_PLUGIN_DIR)')
    .option('--out <dir>', 'where the plugins are built', '.hotswap/plugins')
    .option('--no-restart', 'when a change cannot be applied live, print why and keep the old code running')
    .option('--json', 'print one JSON event per line on stdout (the app\'s stdout goes to stderr)')
    .action(async (entry: string, args: string[], options: DevCommandOptions) => {
      requireFile('the app', entry, 'give the path of the .ts or .js file to run');
      // Loaded here: the other commands need neither the watcher nor the builder.
      const { startDev } = await import('../dev/session.js');
      const session = await startDev({
        entry,
        args,
        pluginDirs: options.plugins ?? [],
        outDir: options.out,
        restart: options.restart,
        json: options.json === true,
        root: process.cwd(),
      });
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await session.close();
    });
}
