/** Narrowing a reload outcome in a test, with a message that says what went wrong. */
import assert from 'node:assert/strict';
import type { ReloadFailure, ReloadOutcome, ReloadSuccess } from '../../src/index.js';

export function ok(outcome: ReloadOutcome): ReloadSuccess {
  if (!outcome.ok) assert.fail(`expected ok, got ${outcome.error.code} at ${outcome.stage}: ${outcome.error.message}`);
  return outcome;
}

export function failed(outcome: ReloadOutcome): ReloadFailure {
  if (outcome.ok) assert.fail('expected the reload to fail');
  return outcome;
}
