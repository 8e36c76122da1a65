/** One script edit of a transaction: set `to` in place of `from`, in one thread. */
import { changedFunctions, type SourceType } from './function-texts.js';
import type { DebugThread } from './threads.js';

export interface Change {
  readonly thread: DebugThread;
  readonly scriptId: string;
  /** The file as the patch names it, for outcomes and messages. */
  readonly file: string;
  /** The whole script source running now (with a CommonJS wrapper when Node added one). */
  readonly from: string;
  /** The whole script source to run. */
  readonly to: string;
  /** Old function texts no live function may keep, by staleKey (see verify.ts), mapped to names. */
  readonly stale: ReadonlyMap<string, string>;
  /** Changed async functions and generators, named when the edit is blocked. */
  readonly suspendable: readonly string[];
}

/** What is kept of a change to undo it later, possibly in another debugger session. */
export interface StoredChange {
  readonly threadKey: string;
  readonly threadLabel: string;
  readonly scriptId: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly sourceType: SourceType;
  /** Lengths of the wrapper around the file's text in both sources. */
  readonly prefix: number;
  readonly suffix: number;
}

function body(source: string, prefix: number, suffix: number): string {
  return source.slice(prefix, source.length - suffix);
}

/**
 * @param replaced every source the engine replaced in this script before (see ledger.ts)
 * @throws SyntaxError when a source cannot be parsed to find its functions
 */
export function makeChange(thread: DebugThread, stored: StoredChange, replaced: readonly string[]): Change {
  const { stale, suspendable } = changedFunctions(
    body(stored.from, stored.prefix, stored.suffix),
    body(stored.to, stored.prefix, stored.suffix),
    stored.sourceType,
    replaced.filter((source) => source !== stored.from).map((source) => body(source, stored.prefix, stored.suffix)),
  );
  return { thread, scriptId: stored.scriptId, file: stored.file, from: stored.from, to: stored.to, stale, suspendable };
}

/** The change that undoes `stored`. */
export function inverse(stored: StoredChange): StoredChange {
  return { ...stored, from: stored.to, to: stored.from };
}
