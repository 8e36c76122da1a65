/**
 * Which control socket a CLI target names: a socket path as it is, else the host a pid or a name
 * finds (src/discovery), which must have announced a socket.
 */
import { ControlUnavailableError } from '../errors.js';
import { findHost } from '../discovery/find-host.js';
import { runtimeDirPath } from '../discovery/runtime-dir.js';
import { withSocket, type ControlClient } from '../control/client.js';

export function isSocketPath(target: string): boolean {
  return target.includes('/') || target.includes('\\') || target.endsWith('.sock');
}

/**
 * @throws ProcessNotFoundError, NotAHostError, HostNotFoundError, HostAmbiguousError (see findHost),
 * ControlUnavailableError when the host answers on no socket
 */
export function socketOf(target: string | undefined): string {
  if (target !== undefined && isSocketPath(target)) return target;
  const host = findHost(runtimeDirPath(), target);
  if (host.socket === undefined) {
    throw new ControlUnavailableError('(none)', `of ${host.name} (pid ${host.pid}) does not exist: the host did not start a control server (startControl, or hotswap run)`);
  }
  return host.socket;
}

/** Connects to the target's control socket, runs `work`, and closes the connection. */
export function withControl<T>(target: string | undefined, work: (client: ControlClient) => Promise<T>): Promise<T> {
  return withSocket(socketOf(target), work);
}
