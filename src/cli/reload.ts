/** `hotswap reload --pid <pid> [--signal <name>]`: asks a running host to reload, by signal. */
import { constants } from 'node:os';
import { InvalidArgumentError as CommanderArgumentError, type Command } from 'commander';
import { InvalidArgumentError, ProcessNotFoundError, SignalUnsupportedError } from '../errors.js';
// The host's default, so the two ends cannot drift apart (signal.ts imports nothing heavy).
import { DEFAULT_RELOAD_SIGNAL } from '../runtime/signal.js';

export { DEFAULT_RELOAD_SIGNAL };

/** `usr2` and `USR2` mean SIGUSR2; anything Node does not know is refused before sending. */
export function normaliseSignal(name: string): NodeJS.Signals {
  const upper = name.toUpperCase();
  const signal = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!Object.hasOwn(constants.signals, signal)) {
    throw new InvalidArgumentError('signal', `"${name}" is not a signal name Node.js knows`);
  }
  return signal as NodeJS.Signals;
}

/**
 * Sends `signal` to `pid`. Windows has no user signals (process.kill there just terminates),
 * so it is refused rather than killing the host.
 */
export function sendReloadSignal(
  pid: number,
  signalName: string = DEFAULT_RELOAD_SIGNAL,
  platform: NodeJS.Platform = process.platform,
): NodeJS.Signals {
  const signal = normaliseSignal(signalName);
  if (platform === 'win32') throw new SignalUnsupportedError(signal, platform);
  // 0 and negative pids address process groups: never what `--pid` means.
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new InvalidArgumentError('pid', `${pid} is not a process id`);
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EPERM: it exists but is not ours to signal; either way this pid cannot be reloaded from here.
    if (code === 'ESRCH' || code === 'EPERM') throw new ProcessNotFoundError(pid, error);
    throw error;
  }
  return signal;
}

function parsePid(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new CommanderArgumentError('a process id is a positive integer');
  return Number(value);
}

export function registerReloadCommand(program: Command): void {
  program
    .command('reload')
    .description('ask a running host to reload its plugins by sending it a signal')
    .requiredOption('--pid <pid>', 'process id of the host', parsePid)
    .option('--signal <name>', 'signal the host listens for', DEFAULT_RELOAD_SIGNAL)
    .action((options: { pid: number; signal: string }) => {
      const signal = sendReloadSignal(options.pid, options.signal);
      process.stdout.write(`sent ${signal} to pid ${options.pid}\n`);
    });
}
