/**
 * The hotfix engine's data: patches (what a user ships), plans (what the planner decided before
 * anything is touched) and outcomes (what an apply did). Shared by the planner, the applier, the
 * CLI and the worker agent.
 */
import type { Signature } from '../signing/signature.js';
import type { HotswapError } from '../errors.js';

/** One changed file of a patch. */
export interface PatchFile {
  /** The running module, as it was loaded: an absolute path or a `file:` URL. */
  readonly file: string;
  /** sha256 (hex) of the source the patch was built against; must equal the running source's. */
  readonly baseHash: string;
  /** The new source of the whole file. Only the functions in scope are taken from it. */
  readonly source: string;
  /**
   * The new source's source map (its JSON), when the file names one in a separate file; a map
   * inline in `source` is read from there. With it, stack traces through the patched functions
   * point at the new lines of the original (.ts) source. `hotswap hotfix build` adds it.
   */
  readonly sourceMap?: string;
}

/**
 * What a patch may change. A string selector:
 * - `dir/` or `dir/file.js` (ends with `/` or names a file): a package or module path prefix, every
 *   function in it, and its top-level code (whose changes are then refused rather than ignored);
 * - `file.js#Class`: every method, getter and setter of a class;
 * - `file.js#name` or `file.js#Class.method`: one function, method, getter or setter, with
 *   everything nested in it (a nested function is `outer.inner`).
 * File parts match the end of the running file's path; `#name` alone applies to every file. The
 * name part is everything after the first `#`, so `file.js#Class.#private` works.
 *
 * Qualified names, as selectors write them and plans report them:
 * - `name`: a function declaration, or a function, arrow or class named by a `const`/`let`/`var`
 *   declaration, an assignment (`exports.run`, `Foo.prototype.bar`, `this.onTick`) or
 *   `export default` (`default`);
 * - `obj.method`, `obj.get x`, `obj.set x`, `obj.nested.fn`: members of an object literal so named
 *   (`module.exports = { run() {} }` gives `module.exports.run`); an unnamed object is `<object#N>`;
 * - `Class.method`, `Class.static method`, `Class.get x`, `Class.static set x`, `Class.#m`,
 *   `Class.constructor`, `Class.onTick` (an arrow or function in a field): members as the class body
 *   writes them before the parameters; a computed key is `Class.[Symbol.iterator]`;
 * - `outer.inner`, `outer.Class.method`, `Class.method.helper`: what is declared inside a function,
 *   class or named object is named under it;
 * - `outer.<anonymous#2>`, `<class#1>`: the second anonymous function directly in `outer`, the first
 *   anonymous class at the top level, counted in source order; a second function of the same name
 *   in the same place is `name<#2>`.
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
  /** The builder's signature of the patch (`hotswap hotfix build --sign`), checked by an engine with trusted keys. */
  readonly signature?: Signature;
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
  /**
   * `method`, `getter`, `setter`: of a class or an object literal; `closure`: any other function
   * defined inside a function; `function` and `arrow`: the others, by their syntax.
   */
  readonly kind: 'function' | 'method' | 'getter' | 'setter' | 'arrow' | 'closure';
  /** Where it starts in the running source. */
  readonly location: SourceLocation;
}

/** One function text the plan replaces: offsets (start inclusive, end exclusive) in each source. */
export interface SourceEdit {
  readonly runningStart: number;
  readonly runningEnd: number;
  readonly nextStart: number;
  readonly nextEnd: number;
  readonly patchedStart: number;
  readonly patchedEnd: number;
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
  /**
   * The functions replaced whole (a changed closure alone when its enclosing function is unchanged);
   * listed also when something was refused, as what would have been replaced.
   */
  readonly functions: readonly PlannedFunction[];
  /**
   * Where each replaced function text lies, as offsets of the running source, the new source and
   * the patched source (empty when something was refused). Used to keep source maps right.
   */
  readonly edits: readonly SourceEdit[];
  readonly refusals: readonly Refusal[];
  /** Functions that differ but are outside the scope: left as they run. */
  readonly ignored: readonly string[];
  /**
   * For redirection: new top-level functions the replaced functions may use, compiled along with
   * them (offsets in the new source). Always empty for LiveEdit, which refuses new functions.
   */
  readonly helpers: readonly { readonly name: string; readonly nextStart: number; readonly nextEnd: number }[];
}

export interface AppliedFunction {
  readonly file: string;
  readonly name: string;
  /**
   * How it was patched: `redirect` for a file hotswap's loader instrumented (the function forwards
   * to its new code), `liveedit` for the others (V8 LiveEdit replaced its code in place).
   */
  readonly backend: HotfixBackend;
}

/** The two ways a file is patched; see `AppliedFunction.backend`. */
export type HotfixBackend = 'redirect' | 'liveedit';

/** Why an apply or revert failed: `error.code` says what, `file` and `function` say where. */
export interface HotfixFailure {
  readonly ok: false;
  readonly error: HotswapError;
  /** The file at fault, when one is (as the patch names it). */
  readonly file: string | undefined;
  /** The function at fault, when one is (for a blocked edit: the changed async functions/generators). */
  readonly function: string | undefined;
}

/** What applying (or reverting) changed, and what it cost. */
export interface HotfixTimings {
  /**
   * Longest pause of the engine's own (usually the main) thread by one `setScriptSource`, in ms.
   * Workers pause on their own threads, not included. 0 when the thread had nothing to change.
   */
  readonly pauseMs: number;
  /**
   * The verification on the engine's own thread, in ms: a heap walk that pauses the thread like
   * `setScriptSource` does (see verify.ts).
   */
  readonly verifyMs: number;
  /** Attempts made: more than 1 when a changed async function or generator was suspended. */
  readonly attempts: number;
  /** Threads patched: the engine's thread (if it had loaded a patched file) plus every such worker. */
  readonly threads: number;
}

export type ApplyOutcome =
  | (HotfixTimings & {
      readonly ok: true;
      readonly version: string;
      /** True when this version was already applied: nothing was changed (and the timings are 0). */
      readonly alreadyApplied: boolean;
      readonly functions: readonly AppliedFunction[];
    })
  | HotfixFailure;

export type RevertOutcome =
  | (HotfixTimings & {
      readonly ok: true;
      readonly version: string;
      /** The functions restored to what they were before the patch. */
      readonly functions: readonly AppliedFunction[];
    })
  | HotfixFailure;

/** One applied patch, as `list()` shows it. */
export interface AppliedPatch {
  readonly version: string;
  /** ISO 8601 time it was applied. */
  readonly appliedAt: string;
  readonly files: readonly string[];
  readonly functions: readonly AppliedFunction[];
}
