/**
 * Bounds for what a test waits for: a wait that does not end fails the test with what it was
 * waiting for, instead of hanging the run. The bounds are far above what the waits take on a busy
 * machine: they catch a hang, they measure nothing.
 */
import { spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';
import type { Worker } from 'node:worker_threads';

/** One wait: an event, an answer, a child process. */
export const WAIT_MS = 20_000;

/** A whole test, as node:test's `timeout` option: the backstop for waits bounded nowhere else. */
export const TEST_MS = 120_000;

/** `promise`, or a rejection with `message()` once `ms` have passed without it settling. */
export async function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message()} (waited ${ms / 1000} s)`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`, or a rejection naming `what` was awaited once `ms` have passed without it settling. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  return within(promise, ms, () => `timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

/** The worker's next message; rejects if it fails or exits first, or after `ms`. */
export function nextMessage(worker: Worker, what: string, ms = WAIT_MS): Promise<unknown> {
  let cleanup = (): void => {};
  const message = new Promise<unknown>((resolve, reject) => {
    const onMessage = (value: unknown) => resolve(value);
    const onError = (error: Error) => reject(new Error(`the worker failed while awaited for ${what}: ${error.message}`, { cause: error }));
    const onExit = (code: number) => reject(new Error(`the worker exited (code ${code}) while awaited for ${what}`));
    worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    cleanup = () => void worker.off('message', onMessage).off('error', onError).off('exit', onExit);
  });
  return withTimeout(message, ms, what).finally(() => cleanup());
}

/** Terminates a worker, bounded. */
export async function terminate(worker: Worker, ms = WAIT_MS): Promise<void> {
  await withTimeout(worker.terminate(), ms, `worker ${worker.threadId} to terminate`);
}

/**
 * `spawnSync` with a bound: the child is killed after `ms`, and that throws, naming `what` and
 * what the child wrote. Anything else (exit code, signal) is the caller's to check.
 */
export function spawnSyncBounded(
  command: string,
  args: readonly string[],
  what: string,
  options: Omit<SpawnSyncOptionsWithStringEncoding, 'encoding' | 'timeout'> = {},
  ms = WAIT_MS,
): SpawnSyncReturns<string> {
  const child = spawnSync(command, args, { ...options, encoding: 'utf8', timeout: ms, killSignal: 'SIGKILL' });
  if ((child.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    throw new Error(`timed out after ${ms / 1000} s waiting for ${what}; stdout:\n${child.stdout}\nstderr:\n${child.stderr}`);
  }
  return child;
}
