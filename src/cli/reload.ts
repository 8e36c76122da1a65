/**
 * `hotswap reload [target] [--pid <pid>] [--signal <name>]`: asks a running host to reload, by signal.
 *
 * Only a process that left a record saying it reloads on that signal is signalled (see
 * src/discovery): sent to any other process, SIGUSR2's default action would terminate it. A signal
 * carries no answer: the command says it was delivered, not whether the reload succeeded.
 */
import { constants } from 'node:os';
import { InvalidArgumentError as CommanderArgumentError, type Command } from 'commander';
import { InvalidArgumentError, ProcessNotFoundError, SignalNotHandledError, SignalUnsupportedError } from '../errors.js';
import { findHost } from '../discovery/find-host.js';
import type { HostRecord } from '../discovery/host-record.js';
import { runtimeDirPath } from '../discovery/runtime-dir.js';
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

export interface ReloadSignalRequest {
  /** A pid, a host name, or undefined for the only host of this user. */
  readonly target: string | number | undefined;
  /** The signal to send; default: the one the host announced (SIGUSR2 unless it chose another). */
  readonly signal?: string | undefined;
  /** @default the per-user runtime directory */
  readonly runtimeDir?: string | undefined;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform | undefined;
}

export interface ReloadSignalSent {
  readonly host: HostRecord;
  readonly signal: NodeJS.Signals;
}

/**
 * Signals the host `target` names, after checking from its record that it reloads on that signal.
 * Windows has no user signals (process.kill there just terminates): refused.
 * @throws SignalUnsupportedError, InvalidArgumentError, ProcessNotFoundError, NotAHostError,
 * HostNotFoundError, HostAmbiguousError, SignalNotHandledError
 */
export function sendReloadSignal(request: ReloadSignalRequest): ReloadSignalSent {
  const platform = request.platform ?? process.platform;
  const asked = request.signal === undefined ? undefined : normaliseSignal(request.signal);
  if (platform === 'win32') throw new SignalUnsupportedError(asked ?? DEFAULT_RELOAD_SIGNAL, platform);
  // 0 and negative pids address process groups: never what a target means.
  if (typeof request.target === 'number' && (!Number.isSafeInteger(request.target) || request.target <= 0)) {
    throw new InvalidArgumentError('pid', `${request.target} is not a process id`);
  }
  const host = findHost(request.runtimeDir ?? runtimeDirPath(), request.target);
  const signal = asked ?? (host.reloadSignals.includes(DEFAULT_RELOAD_SIGNAL) ? DEFAULT_RELOAD_SIGNAL : host.reloadSignals[0]);
  if (signal === undefined || !host.reloadSignals.includes(signal)) {
    throw new SignalNotHandledError(host.name, host.pid, signal ?? DEFAULT_RELOAD_SIGNAL, host.reloadSignals);
  }
  try {
    process.kill(host.pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EPERM: it exists but is not ours to signal; either way this pid cannot be reloaded from here.
    if (code === 'ESRCH' || code === 'EPERM') throw new ProcessNotFoundError(host.pid, error);
    throw error;
  }
  return { host, signal: signal as NodeJS.Signals };
}

function parsePid(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new CommanderArgumentError('a process id is a positive integer');
  return Number(value);
}

export function registerReloadCommand(program: Command): void {
  program
    .command('reload')
    .description('ask a running host to reload its plugins, by the signal it listens for (no outcome comes back)')
    .argument('[target]', 'the host: a pid, or the name it goes by (HOTSWAP_NAME, else its entry file\'s name); default: the only host running')
    .option('--pid <pid>', 'the host\'s process id (same as giving it as the target)', parsePid)
    .option('--signal <name>', 'the signal to send, if the host listens for several (default: the one it listens for)')
    .action((target: string | undefined, options: { pid?: number; signal?: string }, command: Command) => {
      if (target !== undefined && options.pid !== undefined) command.error('error: give the host either as a target or with --pid, not both');
      const sent = sendReloadSignal({ target: options.pid ?? target, signal: options.signal });
      process.stdout.write(
        `sent ${sent.signal} to ${sent.host.name} (pid ${sent.host.pid}): a signal reports no outcome, ` +
          'so whether the reload succeeded shows only in the host\'s own log\n',
      );
    });
}
