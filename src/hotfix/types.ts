/**
 * The hotfix engine's data: patches (what a user ships), plans (what the planner decided before
 * anything is touched) and outcomes (what an apply did). Shared by the planner, the applier, the
 * CLI and the worker agent.
 */
import type { HotswapError } from '../errors.js';

/** One changed file of a patch. */
export interface PatchFile {
  /** The running module, as it was loaded: an absolute path or a `file:` URL. */
  readonly file: string;
  /** sha256 (hex) of the source the patch was built against; must equal the running source's. */
  readonly baseHash: string;
  /** The new source of the whole file. Only the functions in scope are taken from it. */
  readonly source: string;
}

/**
 * What a patch may change. A string selector:
 * - `dir/` or `dir/file.js` (ends with `/` or names a file): a package or module path prefix, every
 *   function in it;
 * - `file.js#Class`: every method, getter and setter of a class;
 * - `file.js#name` or `file.js#Class.method`: one function, method, getter or setter
 *   (a nested function is `outer.inner`). File parts match the end of the running file's path.
 */
export type ScopeSelector = string;

export interface Patch {
  /** Version label; applying a version already applied reports it and changes nothing. */
  readonly version: string;
  readonly files: readonly PatchFile[];
  /** What may change; default: every function that differs. Differences outside it are ignored. */
  readonly scope?: readonly ScopeSelector[];
  /**
   * Source of a function expression run once, after the patch applied, in the main thread:
   * `(context) => { ... }` where context is `{ version, require }`. Its throw reverts the patch.
   */
  readonly init?: string;
}

/** Where in a source something is, 1-based line and column. */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

/** A function the plan changes. */
export interface PlannedFunction {
  /** Qualified name: `name`, `Class.method`, `Class.get prop`, `outer.inner`, `Class.#private`. */
  readonly name: string;
  readonly kind: 'function' | 'method' | 'getter' | 'setter' | 'arrow' | 'closure';
  /** Where it starts in the running source. */
  readonly location: SourceLocation;
}

/** An edit the planner will not apply, with why and where. */
export interface Refusal {
  readonly reason: string;
  /** The function or construct concerned, if any. */
  readonly name: string | undefined;
  /** In the new source. */
  readonly location: SourceLocation | undefined;
}

/** The planner's decision for one file. */
export interface FilePlan {
  readonly file: string;
  /**
   * The running source with the in-scope function edits spliced in, and nothing else changed: what
   * is handed to LiveEdit. Undefined when something was refused.
   */
  readonly patchedSource: string | undefined;
  readonly functions: readonly PlannedFunction[];
  readonly refusals: readonly Refusal[];
  /** Functions that differ but are outside the scope: left as they run. */
  readonly ignored: readonly string[];
}

export interface AppliedFunction {
  readonly file: string;
  readonly name: string;
}

export type ApplyOutcome =
  | {
      readonly ok: true;
      readonly version: string;
      /** True when this version was already applied: nothing was changed. */
      readonly alreadyApplied: boolean;
      readonly functions: readonly AppliedFunction[];
      /** Longest main-thread pause of one setScriptSource, in ms. */
      readonly pauseMs: number;
      /** Threads patched: the main thread plus every worker that had loaded a patched file. */
      readonly threads: number;
    }
  | {
      readonly ok: false;
      readonly error: HotswapError;
      /** The file at fault, when one is. */
      readonly file: string | undefined;
      /** The function at fault, when one is. */
      readonly function: string | undefined;
    };

/** One applied patch, as `list()` shows it. */
export interface AppliedPatch {
  readonly version: string;
  /** ISO 8601 time it was applied. */
  readonly appliedAt: string;
  readonly files: readonly string[];
  readonly functions: readonly AppliedFunction[];
}
