/**
 * `hotswap/hotfix`: patch functions of the running process in place (V8 LiveEdit), versioned,
 * transactional across files and worker threads, verified, revertible.
 *
 * @example
 * const engine = createHotfixEngine();
 * const outcome = await engine.apply(patch);
 * if (!outcome.ok) console.error(outcome.error.code, outcome.file, outcome.function);
 */
import { createEngineWithPlanner, type HotfixEngine } from './engine.js';
import type { HotfixEngineOptions } from './options.js';
import { planFile } from './planner/index.js';

/**
 * Creates a hotfix engine. Nothing is connected until the first apply; the debugger is enabled
 * only while an apply or revert runs.
 * @throws InvalidArgumentError for a bad option
 */
export function createHotfixEngine(options?: HotfixEngineOptions): HotfixEngine {
  return createEngineWithPlanner(options, planFile);
}

export type { HotfixEngine } from './engine.js';
export type { HotfixEngineOptions } from './options.js';
export type { HotfixInitContext } from './init.js';
export type {
  HotfixApplyMessage,
  HotfixDebuggerMessage,
  HotfixRetryMessage,
  HotfixRevertMessage,
} from './diagnostics.js';
export type {
  AppliedFunction,
  AppliedPatch,
  ApplyOutcome,
  FilePlan,
  HotfixBackend,
  HotfixFailure,
  HotfixTimings,
  Patch,
  PatchFile,
  PlannedFunction,
  Refusal,
  RevertOutcome,
  ScopeSelector,
  SourceLocation,
} from './types.js';
