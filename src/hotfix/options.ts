/** Options of `createHotfixEngine`, with their defaults. */
import type { KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { trustedKeySet, type TrustedKey } from '../signing/keys.js';
import { defaultLogger, type Logger } from '../logger.js';

export interface HotfixEngineOptions {
  /**
   * How long an apply or revert may wait, in ms, for a changed async function suspended at an
   * `await` (or an unfinished generator) to finish: it is retried at later turns of the event loop
   * until then, and refused with `HOTSWAP_ERR_HOTFIX_BLOCKED`, nothing changed, after.
   * Also how long a worker thread may take to answer.
   * @default 2000
   */
  readonly safePointDeadlineMs?: number;
  /**
   * Where the engine logs (applies and reverts at info, retries at debug, an edit that could not be
   * undone at error).
   * @default debug and info through `util.debuglog('hotswap')` (NODE_DEBUG=hotswap), warnings and errors on stderr
   */
  readonly logger?: Logger;
  /**
   * Patch worker threads too: every worker (of this thread) that loaded a patched file is patched in
   * the same transaction, driven through the inspector's `NodeWorker` domain, with no code in the
   * worker. `false` looks at this thread only; a worker running a patched file then keeps its code.
   * @default true
   */
  readonly workers?: boolean;
  /**
   * Directory that relative file paths of a patch are resolved against.
   * @default process.cwd()
   */
  readonly root?: string;
  /**
   * Enable and disable the debugger once when the engine is created (12 to 80 ms, in the
   * background), instead of first at the first apply. The first time a V8 isolate's debugger is
   * enabled (as the first time any promise hook is installed), V8 turns off a fast path of promises
   * for good: await-heavy code runs about 5 to 15 % slower from then on (measured in
   * docs/benchmarks.md). With `warmUp` that happens at start-up, so that an apply in the middle of
   * an incident leaves throughput where it was.
   * @default false
   */
  readonly warmUp?: boolean;
  /**
   * With `workers`, a worker started while patches are applied is followed for up to this long, ms:
   * each patched file it loads meanwhile is patched before its first line runs (its debugger is on
   * while followed). A patched file it loads later runs unpatched, with a warning.
   * @default 2000
   */
  readonly workerStartWindowMs?: number;
  /**
   * How many of the newest applied patches the engine keeps whole: what reverting them needs (the
   * code and state they replaced) and their sources. An older patch is folded once later patches
   * replaced every file of it whole (TypeScript files, the redirection backend, no scope, this
   * thread only: what `hotswap dev` applies): it stays applied and listed, its revert is refused
   * with `HOTSWAP_ERR_HOTFIX_NOT_REVERTIBLE`, and memory stays flat however many patches follow.
   * Other patches are always kept whole. `hotswap dev` runs its app with 1.
   * @default Infinity
   */
  readonly revertible?: number;
  /**
   * Public keys (PEM text or KeyObject, ed25519: `hotswap keygen`'s .pub file) whose signatures the
   * engine trusts. When given, a patch that is unsigned, signed by another key, or changed after
   * signing is refused (HOTSWAP_ERR_SIGNATURE_MISSING, _UNTRUSTED, _INVALID) before it is planned;
   * reverts are not checked (they restore code that ran before). Several keys may be trusted at once.
   * @default none: patches are not checked for a signature
   */
  readonly trustedKeys?: readonly TrustedKey[];
}

export interface ResolvedOptions {
  readonly safePointDeadlineMs: number;
  readonly logger: Logger;
  readonly workers: boolean;
  readonly root: string;
  readonly warmUp: boolean;
  readonly workerStartWindowMs: number;
  readonly revertible: number;
  readonly trustedKeys: ReadonlyMap<string, KeyObject> | undefined;
}

/** @throws InvalidArgumentError for an option of the wrong type or range */
export function resolveOptions(options: HotfixEngineOptions = {}): ResolvedOptions {
  const deadline = options.safePointDeadlineMs ?? 2000;
  if (typeof deadline !== 'number' || !Number.isFinite(deadline) || deadline < 0) {
    throw new InvalidArgumentError('safePointDeadlineMs', `expected a finite number >= 0, got ${String(deadline)}`);
  }
  if (options.workers !== undefined && typeof options.workers !== 'boolean') {
    throw new InvalidArgumentError('workers', `expected a boolean, got ${typeof options.workers}`);
  }
  const window = options.workerStartWindowMs ?? 2000;
  if (typeof window !== 'number' || !Number.isFinite(window) || window < 0) {
    throw new InvalidArgumentError('workerStartWindowMs', `expected a finite number >= 0, got ${String(window)}`);
  }
  if (options.warmUp !== undefined && typeof options.warmUp !== 'boolean') {
    throw new InvalidArgumentError('warmUp', `expected a boolean, got ${typeof options.warmUp}`);
  }
  const revertible = options.revertible ?? Number.POSITIVE_INFINITY;
  if (typeof revertible !== 'number' || !(revertible >= 1) || (Number.isFinite(revertible) && !Number.isInteger(revertible))) {
    throw new InvalidArgumentError('revertible', `expected an integer >= 1 or Infinity, got ${String(revertible)}`);
  }
  if (options.root !== undefined && (typeof options.root !== 'string' || options.root === '')) {
    throw new InvalidArgumentError('root', 'expected a directory path');
  }
  return {
    safePointDeadlineMs: deadline,
    logger: options.logger ?? defaultLogger,
    workers: options.workers ?? true,
    root: options.root ?? process.cwd(),
    warmUp: options.warmUp ?? false,
    workerStartWindowMs: window,
    revertible,
    trustedKeys: options.trustedKeys === undefined ? undefined : trustedKeySet(options.trustedKeys),
  };
}
