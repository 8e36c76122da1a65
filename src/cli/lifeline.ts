/**
 * The lifeline between `hotswap run` and the program it runs. A runner killed hard (SIGKILL from a
 * supervisor or the OOM killer) cannot pass anything on, and the program, in its own process, would
 * keep running and keep its port. So the runner spawns the program with one end of a pipe as fd
 * `LIFELINE_FD` and names it in `LIFELINE_ENV`; the other end lives in the runner only, so the
 * kernel closes it when the runner dies, however it dies. The program side (`holdLifeline`, loaded
 * by lifeline-preload.ts before the program's first line) reads the pipe to its end and then sends
 * the program SIGTERM, so its own graceful shutdown runs.
 */
import { Socket } from 'node:net';
import { debuglog } from 'node:util';
import { isMainThread } from 'node:worker_threads';

/** Names the program's lifeline fd; removed by the program side, so grandchildren never see it. */
export const LIFELINE_ENV = 'HOTSWAP_RUN_LIFELINE_FD';

/** The fd of the lifeline in the program: the first one after stdin, stdout and stderr. */
export const LIFELINE_FD = 3;

/**
 * How long a program has, after the SIGTERM, to end by itself before it is made to exit (code 1):
 * a handler that closes its server but leaves a connection or a timer behind must not make it an
 * orphan after all.
 */
export const LIFELINE_GRACE_MS = 10_000;

const debug = debuglog('hotswap');

export interface HoldLifelineOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default LIFELINE_GRACE_MS */
  readonly graceMs?: number;
}

/**
 * In the program: when `LIFELINE_ENV` names an fd, watches it and ends the program once the runner
 * is gone. Does nothing otherwise (a program run without `hotswap run`, a worker thread, a child of
 * the program). Returns whether a lifeline is held.
 */
export function holdLifeline(options: HoldLifelineOptions = {}): boolean {
  const env = options.env ?? process.env;
  const named = env[LIFELINE_ENV];
  if (named === undefined || !isMainThread) return false;
  // Before anything else: the program's own children must not take the fd for theirs.
  delete env[LIFELINE_ENV];
  const fd = Number(named);
  let lifeline: Socket;
  try {
    lifeline = new Socket({ fd, readable: true, writable: false });
  } catch (error) {
    // Not a pipe (the variable set by hand?): the program runs, only without a lifeline.
    debug(`lifeline: fd ${named} cannot be opened (${(error as Error).message}); running without one`);
    return false;
  }
  // Unref'd: the lifeline never keeps the program alive nor changes when it ends.
  lifeline.unref();
  // The runner writes nothing; reading is only how the end of the pipe is seen.
  lifeline.resume();
  // An end with an error (ECONNRESET) is an end too: 'close' follows it.
  lifeline.on('error', () => {});
  lifeline.once('close', () => {
    debug(`lifeline: the runner is gone; sending SIGTERM to ${process.pid}`);
    // Unref'd: when the program ends by itself, nothing is left to wait for.
    setTimeout(() => process.exit(1), options.graceMs ?? LIFELINE_GRACE_MS).unref();
    // Without a SIGTERM handler this ends the program, as a SIGTERM from outside would. (On
    // Windows process.kill terminates at once: it has no signal a handler could catch.)
    process.kill(process.pid, 'SIGTERM');
  });
  return true;
}
