/**
 * Reload on a POSIX signal (what `hotswap reload` sends, to hosts that announced it).
 *
 * SIGUSR2 by default: Node.js reserves SIGUSR1 to start its inspector, and a listener on SIGUSR1
 * disables that. Windows has no user signals: there, call `manager.reload()` from a trigger of
 * your own (an admin route, `process.on('message')`, a file watcher).
 */
import { SignalUnsupportedError } from '../errors.js';

export const DEFAULT_RELOAD_SIGNAL = 'SIGUSR2';

/** Calls `onSignal` on each `signal`; returns a function that removes the listener. */
export function listenForSignal(signal: NodeJS.Signals, onSignal: () => void): () => void {
  if (process.platform === 'win32') throw new SignalUnsupportedError(signal, 'Windows');
  const listener = (): void => onSignal();
  process.on(signal, listener);
  return () => {
    process.off(signal, listener);
  };
}
