/** How the engine's parts say an apply or revert failed: one outcome shape, one wording of refusals. */
import type { HotswapError } from '../errors.js';
import type { HotfixFailure, Refusal } from './types.js';

/** The failed outcome: the error, and the file and function at fault when there are. */
export const failure = (error: HotswapError, file?: string, fn?: string): HotfixFailure => ({ ok: false, error, file, function: fn });

/** The planner's refusals as the lines of a HotfixRefusedError: `name (line L:C): reason`. */
export function refusalReasons(refusals: readonly Refusal[]): string[] {
  return refusals.map((r) => {
    const where = r.location === undefined ? '' : ` (line ${r.location.line}:${r.location.column})`;
    return r.name === undefined ? `${r.reason}${where}` : `${r.name}${where}: ${r.reason}`;
  });
}
