/**
 * How `hotswap reload` and `hotswap rollback` print a host's outcome: with `--json`, exactly the
 * outcome object; otherwise one line for a success, two (where, then code and message) for a failure.
 */
import { isClusterOutcome, printClusterOutcome, type WireClusterOutcome } from './cluster-outcome.js';
import { EXIT_FAILED } from './report.js';

/** A ReloadOutcome as it travels over the control socket (its error made plain). */
export interface WireReloadOutcome {
  readonly ok: boolean;
  readonly changed?: boolean;
  readonly generation?: number;
  readonly summary?: string;
  readonly rolledBackTo?: number;
  readonly durationMs: number;
  readonly stage?: string;
  readonly plugin?: string;
  readonly error?: { readonly code?: string; readonly message: string };
}

/** A worker's successful reload in a few words. */
function describeSuccess(outcome: WireReloadOutcome): string {
  const back = outcome.rolledBackTo === undefined ? '' : ` (the artifacts of generation ${outcome.rolledBackTo})`;
  return `generation ${outcome.generation ?? '?'} is current${back}: ${outcome.summary ?? ''}`;
}

export function printReloadOutcome(verb: 'reload' | 'rollback', outcome: WireReloadOutcome | WireClusterOutcome, json: boolean): void {
  if (isClusterOutcome(outcome)) {
    printClusterOutcome(verb, outcome, json, (o) => describeSuccess(o as WireReloadOutcome));
    return;
  }
  if (!outcome.ok) process.exitCode = EXIT_FAILED;
  if (json) {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    return;
  }
  const ms = `${outcome.durationMs.toFixed(0)} ms`;
  if (outcome.ok) {
    process.stdout.write(`${describeSuccess(outcome)} (${ms})\n`);
    return;
  }
  const where = `${outcome.stage ?? '?'}${outcome.plugin === undefined ? '' : `, plugin ${outcome.plugin}`}`;
  process.stderr.write(
    `${verb} failed (${where}, ${ms}); the generation that was serving keeps serving\n` +
      `error ${outcome.error?.code ?? '?'}: ${outcome.error?.message ?? ''}\n`,
  );
}
