/** Turns esbuild's diagnostics into hotswap's BuildMessage / BuildFailedError. */
import type { Message } from 'esbuild';
import { BuildFailedError, describe, HotswapError, type BuildMessage } from '../errors.js';

/** esbuild columns are 0-based; editors and `file:line:col` conventions are 1-based. */
export function toBuildMessage(message: Message): BuildMessage {
  const location = message.location ?? undefined;
  return {
    file: location?.file || undefined,
    line: location?.line,
    column: location === undefined ? undefined : location.column + 1,
    text: message.text,
  };
}

function isBuildFailure(error: unknown): error is Error & { errors: Message[] } {
  return error instanceof Error && Array.isArray((error as { errors?: unknown }).errors);
}

/**
 * The error of a failed build of one plugin: a HotswapError one of our esbuild plugins raised (a
 * duplicate live name) as it is, so its code reaches the caller; otherwise a BuildFailedError.
 */
export function buildError(plugin: string, messages: readonly Message[], cause?: unknown): HotswapError {
  const raised = messages.find((m) => m.detail instanceof HotswapError)?.detail as HotswapError | undefined;
  return raised ?? new BuildFailedError(plugin, messages.map(toBuildMessage), cause);
}

/** Wraps whatever esbuild threw (normally a BuildFailure with located errors) for one plugin. */
export function buildFailed(plugin: string, error: unknown): HotswapError {
  if (error instanceof HotswapError) return error as HotswapError;
  if (isBuildFailure(error) && error.errors.length > 0) return buildError(plugin, error.errors, error);
  return new BuildFailedError(plugin, [{ file: undefined, line: undefined, column: undefined, text: describe(error) }], error);
}
