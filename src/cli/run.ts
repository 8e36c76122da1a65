/**
 * `hotswap run <app.ts> [args...]`: runs a TypeScript (or JavaScript) program through hotswap's
 * own loader, with source maps on, so its .ts files can be hot-fixed later. The program runs in a
 * child Node.js process (the loader must be registered before the program's first import); its
 * exit code and the signals sent to `hotswap run` are passed through.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2'];

/** The `--import` argument that registers the TypeScript loader. */
export function registerModulePath(): string {
  return fileURLToPath(new URL('../typescript/register.js', import.meta.url));
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a TypeScript program through the hotswap loader (its .ts files can then be hot-fixed)')
    .argument('<entry>', 'the program, e.g. src/server.ts')
    .argument('[args...]', 'arguments for the program')
    .passThroughOptions()
    .action(async (entry: string, args: string[]) => {
      const child = spawn(process.execPath, ['--enable-source-maps', '--import', registerModulePath(), entry, ...args], {
        stdio: 'inherit',
      });
      const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
      if (process.platform !== 'win32') for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('exit', (c, s) => resolve([c, s])),
      );
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      // A child killed by a signal exits, as a shell reports it, with 128 + the signal number.
      process.exitCode = code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
    });
}
