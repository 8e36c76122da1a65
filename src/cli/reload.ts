/**
 * `hotswap reload [target] [--pid <pid>] [--data <json>] [--json] [--signal [name]]`: reloads a
 * running host over its control socket and prints the outcome; for a host without one (or with
 * --signal), sends the signal it listens for.
 *
 * Only a process that left a record saying it reloads on that signal is signalled (see
 * src/discovery): sent to any other process, SIGUSR2's default action would terminate it. A signal
 * carries no answer: the command says it was delivered, not whether the reload succeeded.
 */
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { InvalidArgumentError as CommanderArgumentError, type Command } from 'commander';
import { InvalidArgumentError, ProcessNotFoundError, SignalNotHandledError, SignalUnsupportedError } from '../errors.js';
import { findHost } from '../discovery/find-host.js';
import type { HostRecord } from '../discovery/host-record.js';
import { runtimeDirPath } from '../discovery/runtime-dir.js';
import { NO_TIME_LIMIT_MS } from '../control/client.js';
import { isSocketPath, withControl } from './control-target.js';
import { printReloadOutcome, type WireReloadOutcome } from './reload-outcome.js';
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

interface ReloadOptions {
  pid?: number;
  /** `true` for `--signal` alone (the host's own signal), a name for `--signal NAME`. */
  signal?: string | true;
  data?: string;
  pluginDir?: string;
  json?: boolean;
}

export function parseData(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new InvalidArgumentError('--data', `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function registerReloadCommand(program: Command): void {
  program
    .command('reload')
    .description('reload a running host\'s plugins and print the outcome (over its control socket; --signal to only send the signal it listens for)')
    .argument('[target]', 'the host: a pid, the name it goes by (HOTSWAP_NAME, else its entry file\'s name), or a control socket path; default: the only host running')
    .option('--pid <pid>', 'the host\'s process id (same as giving it as the target)', parsePid)
    .option('--data <json>', 'data handed to the plugins\' onLoad hooks (JSON)')
    .option('--plugin-dir <dir>', 'read the plugins from this directory from now on (a new release\'s output)')
    .option('--signal [name]', 'send the signal the host listens for (or this one) instead: no outcome comes back')
    .option('--json', 'print the reload outcome as one JSON document')
    .action(async (target: string | undefined, options: ReloadOptions, command: Command) => {
      if (target !== undefined && options.pid !== undefined) command.error('error: give the host either as a target or with --pid, not both');
      const host = options.pid === undefined ? target : String(options.pid);
      const data = options.data === undefined ? undefined : parseData(options.data);
      if (options.signal === undefined && !hasNoSocket(host)) {
        const params = {
          ...(data === undefined ? {} : { data }),
          // Resolved here: the host's working directory is not the shell's.
          ...(options.pluginDir === undefined ? {} : { pluginDir: resolve(options.pluginDir) }),
        };
        const outcome = (await withControl(host, (client) => client.call('reload', params, NO_TIME_LIMIT_MS))) as WireReloadOutcome;
        printReloadOutcome('reload', outcome, options.json === true);
        return;
      }
      if (options.data !== undefined || options.pluginDir !== undefined) {
        command.error('error: --data and --plugin-dir go over the control socket; a signal carries nothing but itself');
      }
      const sent = sendReloadSignal({ target: options.pid ?? target, signal: options.signal === true ? undefined : options.signal });
      process.stdout.write(
        `sent ${sent.signal} to ${sent.host.name} (pid ${sent.host.pid}): a signal reports no outcome, ` +
          'so whether the reload succeeded shows only in the host\'s own log\n',
      );
    });
}

/** A host found by pid or name that announced no control socket (it reloads on a signal only). */
function hasNoSocket(target: string | undefined): boolean {
  if (target !== undefined && isSocketPath(target)) return false;
  return findHost(runtimeDirPath(), target).socket === undefined;
}
