/**
 * diagnostics_channel events of the hotfix engine, for tracing and metrics without a logger:
 * - `hotswap:hotfix:apply` `{ version, outcome }` when an apply has its outcome;
 * - `hotswap:hotfix:revert` `{ version, outcome }` when a revert has its outcome;
 * - `hotswap:hotfix:retry` `{ version, file, attempt, delayMs }` when a changed async function or
 *   generator is suspended and the apply waits for a later turn of the event loop;
 * - `hotswap:hotfix:debugger` `{ thread, enabled }` after the engine enabled or disabled the
 *   debugger of a thread (code awaiting a lot runs several times slower while it is on).
 */
import { channel } from 'node:diagnostics_channel';
import type { ApplyOutcome, RevertOutcome } from './types.js';

export const applyChannel = channel('hotswap:hotfix:apply');
export const revertChannel = channel('hotswap:hotfix:revert');
export const retryChannel = channel('hotswap:hotfix:retry');
export const debuggerChannel = channel('hotswap:hotfix:debugger');

export interface HotfixApplyMessage {
  readonly version: string;
  readonly outcome: ApplyOutcome;
}

export interface HotfixRevertMessage {
  readonly version: string;
  readonly outcome: RevertOutcome;
}

export interface HotfixRetryMessage {
  readonly version: string;
  readonly file: string;
  /** The attempt that was blocked, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
}

export interface HotfixDebuggerMessage {
  /** `main thread`, `worker 3`. */
  readonly thread: string;
  readonly enabled: boolean;
}

/** Publishes that the engine turned a thread's debugger on or off. */
export function announceDebugger(thread: string, enabled: boolean): void {
  if (debuggerChannel.hasSubscribers) debuggerChannel.publish({ thread, enabled } satisfies HotfixDebuggerMessage);
}
