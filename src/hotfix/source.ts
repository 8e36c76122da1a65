/**
 * The running source of a script versus the file as the user has it on disk. ES modules and, on
 * Node 20.19+ and 24, CommonJS modules run exactly the file's text (Node compiles CJS with
 * `compileFunctionForCJSLoader`, which keeps the wrapper out of the script source). Only when
 * something replaced `Module.wrap`/`Module.wrapper` does Node fall back to compiling the wrapped
 * text, and then V8's script source is `wrapper[0] + file + wrapper[1]`. The base hash is always of
 * the file's text, so the wrapper is recognised, hashed without, and put back around the patched
 * source handed to LiveEdit.
 */
import { createHash } from 'node:crypto';
import Module from 'node:module';

/** sha256 (hex) of a text, as a patch's baseHash is computed. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A script's source split into the file's text and the wrapper Node added around it, if any. */
export interface RunningSource {
  /** What V8 runs: `prefix + body + suffix`. */
  readonly raw: string;
  /** The file's text, as on disk. */
  readonly body: string;
  readonly prefix: string;
  readonly suffix: string;
}

const DEFAULT_WRAPPER: readonly [string, string] = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'];

function knownWrappers(): ReadonlyArray<readonly [string, string]> {
  const current = (Module as unknown as { wrapper?: unknown }).wrapper;
  const list: Array<readonly [string, string]> = [DEFAULT_WRAPPER];
  if (Array.isArray(current) && typeof current[0] === 'string' && typeof current[1] === 'string') {
    if (current[0] !== DEFAULT_WRAPPER[0] || current[1] !== DEFAULT_WRAPPER[1]) list.push([current[0], current[1]]);
  }
  return list;
}

/**
 * Splits a running script source into the file's text and a CommonJS wrapper. The hash decides:
 * the raw source is taken as the file when it hashes to `baseHash` (the usual case, and every ES
 * module); otherwise a known wrapper is stripped if that makes it match. When nothing matches, the
 * most likely split is returned and the caller reports the mismatch with its hash.
 */
export function splitRunningSource(raw: string, isModule: boolean, baseHash: string): RunningSource {
  const whole: RunningSource = { raw, body: raw, prefix: '', suffix: '' };
  if (isModule || sha256(raw) === baseHash.toLowerCase()) return whole;
  for (const [prefix, suffix] of knownWrappers()) {
    if (raw.length >= prefix.length + suffix.length && raw.startsWith(prefix) && raw.endsWith(suffix)) {
      return { raw, body: raw.slice(prefix.length, raw.length - suffix.length), prefix, suffix };
    }
  }
  return whole;
}

/** The source to hand to LiveEdit: the new file text inside the same wrapper as the running one. */
export function rewrap(running: RunningSource, body: string): string {
  return running.prefix + body + running.suffix;
}
