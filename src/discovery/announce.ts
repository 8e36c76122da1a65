/**
 * Keeps this process's record in step with what it listens for. `reloadOnSignal()` announces its
 * signal here, so `hotswap reload` signals only processes known to listen: a signal the process
 * does not handle would run its default action, and SIGUSR2's default terminates it. The control
 * server (src/control) announces its socket here too.
 */
import { ensureRuntimeDir } from './runtime-dir.js';
import { describeThisProcess, removeRecord, writeRecord } from './host-record.js';

/** How many listeners announced each signal (several managers may listen for the same one). */
const listeners = new Map<string, number>();
let controlSocket: string | undefined;
/** The name the control server goes by (`startControl({ name })`), which the record then carries. */
let controlName: string | undefined;
let recordDir: string | undefined;
let exitHookInstalled = false;

function rewrite(): void {
  const signals = [...listeners.keys()].sort();
  if (signals.length === 0 && controlSocket === undefined) {
    if (recordDir !== undefined) removeRecord(recordDir, process.pid);
    return;
  }
  recordDir ??= ensureRuntimeDir();
  writeRecord(recordDir, describeThisProcess(signals, controlSocket, controlName));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Synchronous on purpose: 'exit' listeners cannot wait. A killed process leaves its record,
    // which readers recognise as stale.
    process.on('exit', () => {
      if (recordDir !== undefined && (listeners.size > 0 || controlSocket !== undefined)) removeRecord(recordDir, process.pid);
    });
  }
}

/**
 * Records that this process reloads on `signal` until the returned function is called.
 * @throws when the record cannot be written (an unsafe runtime directory, a full disk): the caller
 * decides whether to listen anyway (then `hotswap reload` will refuse to signal it)
 */
export function announceReloadSignal(signal: string): () => void {
  listeners.set(signal, (listeners.get(signal) ?? 0) + 1);
  try {
    rewrite();
  } catch (error) {
    release(signal);
    throw error;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release(signal);
    try {
      rewrite();
    } catch {
      // A record that still named the signal would let `hotswap reload` signal a process that no
      // longer listens: drop the whole record rather than leave it wrong.
      if (recordDir !== undefined) removeRecord(recordDir, process.pid);
    }
  };
}

function release(signal: string): void {
  const count = (listeners.get(signal) ?? 1) - 1;
  if (count > 0) listeners.set(signal, count);
  else listeners.delete(signal);
}

/**
 * Records that this process answers on the control socket at `path` until the returned function is
 * called (one socket per process).
 * @throws when the record cannot be written
 */
export function announceControlSocket(path: string, name?: string): () => void {
  controlSocket = path;
  controlName = name;
  try {
    rewrite();
  } catch (error) {
    controlSocket = undefined;
    throw error;
  }
  return () => {
    if (controlSocket !== path) return;
    controlSocket = undefined;
    controlName = undefined;
    try {
      rewrite();
    } catch {
      if (recordDir !== undefined) removeRecord(recordDir, process.pid);
    }
  };
}
