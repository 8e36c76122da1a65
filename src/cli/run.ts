/**
 * `hotswap run <app.ts> [args...]`: runs a TypeScript (or JavaScript) program through hotswap's
 * own loader, with source maps on, so its .ts files can be hot-fixed later (by redirection), and
 * with a control server (src/control), so `hotswap status` and `hotswap hotfix apply` reach it. The program runs in a
 * child Node.js process (the loader must be registered before the program's first import); its
 * exit code and the signals sent to `hotswap run` are passed through. A runner killed hard
 * (SIGKILL) passes nothing on: the program then sees its lifeline (lifeline.ts) end and gets a
 * SIGTERM itself, so it does not outlive the runner.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { delimiter, resolve } from 'node:path';
import type { Command } from 'commander';
import { requireFile } from '../inputs.js';
import { LIFELINE_ENV, LIFELINE_FD } from './lifeline.js';
import { programNodeArgs } from './program-args.js';
import { readKeyFile, trustedKeySet, TRUSTED_KEYS_ENV } from '../signing/keys.js';
import { collect } from './repeatable.js';

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2'];

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a TypeScript program through the hotswap loader (its .ts files can then be hot-fixed)')
    .argument('<entry>', 'the program, e.g. src/server.ts')
    .argument('[args...]', 'arguments for the program')
    .option('--no-control', 'do not start the control server (hotswap status, hotfix apply… will not reach the program)')
    .option('--trusted-key <file>', "a public key (hotswap keygen's .pub) whose signed patches the program's hotfix engine applies; unsigned ones are refused (repeatable)", collect, [])
    .passThroughOptions()
    .action(async (entry: string, args: string[], options: { control: boolean; trustedKey: string[] }) => {
      // The lifeline first, so that it is held even while the loader starts.
      requireFile('the program', entry, 'give the path of the .ts or .js file to run');
      // Read here, so that a wrong key file stops the command before the program starts.
      const keyFiles = options.trustedKey.map((file) => resolve(file));
      if (keyFiles.length > 0) trustedKeySet(keyFiles.map((file) => readKeyFile(file)), '--trusted-key');
      const trust = keyFiles.length === 0 ? {} : { [TRUSTED_KEYS_ENV]: keyFiles.join(delimiter) };
      const child = spawn(process.execPath, [...programNodeArgs({ control: options.control }), entry, ...args], {
        stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
        env: { ...process.env, [LIFELINE_ENV]: String(LIFELINE_FD), ...trust },
      });
      const lifeline = child.stdio[LIFELINE_FD];
      // The program going first ends the pipe from its side: nothing to report.
      lifeline?.on('error', () => {});
      const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
      if (process.platform !== 'win32') for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('exit', (c, s) => resolve([c, s])),
      );
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      // Done with it: the runner must not wait for the pipe's end, which a grandchild the program
      // handed fd 3 on to would hold open.
      lifeline?.destroy();
      // A child killed by a signal exits, as a shell reports it, with 128 + the signal number.
      process.exitCode = code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
    });
}
