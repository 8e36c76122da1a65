/**
 * A patch's one-time init: the source of a function `(context) => void | Promise<void>`, run once
 * in the engine's thread after the patch applied, e.g. to migrate state the new code expects.
 */
import { createRequire } from 'node:module';
import { runInThisContext } from 'node:vm';
import { initExpression, initFilename } from './validate.js';

export interface HotfixInitContext {
  /** The patch's version. */
  readonly version: string;
  /** `require` resolving from the patch's first file, to reach the modules the patch changed. */
  readonly require: NodeJS.Require;
}

/** @throws what the init throws or rejects with */
export async function runInit(source: string, version: string, requireFrom: string): Promise<void> {
  const fn: unknown = runInThisContext(initExpression(source), { filename: initFilename(version) });
  if (typeof fn !== 'function') throw new TypeError(`init of patch ${version} is not a function (it is ${typeof fn})`);
  const context: HotfixInitContext = { version, require: createRequire(requireFrom) };
  await (fn as (context: HotfixInitContext) => unknown)(context);
}
