/** Turns esbuild's diagnostics into hotswap's BuildMessage / BuildFailedError. */
import type { Message } from 'esbuild';
import { BuildFailedError, describe, type BuildMessage } from '../errors.js';

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

/** Wraps whatever esbuild threw (normally a BuildFailure with located errors) for one plugin. */
export function buildFailed(plugin: string, error: unknown): BuildFailedError {
  if (isBuildFailure(error) && error.errors.length > 0) {
    return new BuildFailedError(plugin, error.errors.map(toBuildMessage), error);
  }
  return new BuildFailedError(plugin, [{ file: undefined, line: undefined, column: undefined, text: describe(error) }], error);
}
