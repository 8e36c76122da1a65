/**
 * How `hotswap reload` and `hotswap rollback` print a host's outcome: with `--json`, exactly the
 * outcome object; otherwise one line for a success, two (where, then code and message) for a failure.
 */
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

export function printReloadOutcome(verb: 'reload' | 'rollback', outcome: WireReloadOutcome, json: boolean): void {
  if (!outcome.ok) process.exitCode = EXIT_FAILED;
  if (json) {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    return;
  }
  const ms = `${outcome.durationMs.toFixed(0)} ms`;
  if (outcome.ok) {
    const back = outcome.rolledBackTo === undefined ? '' : ` (the artifacts of generation ${outcome.rolledBackTo})`;
    process.stdout.write(`generation ${outcome.generation ?? '?'} is current${back}: ${outcome.summary ?? ''} (${ms})\n`);
    return;
  }
  const where = `${outcome.stage ?? '?'}${outcome.plugin === undefined ? '' : `, plugin ${outcome.plugin}`}`;
  process.stderr.write(
    `${verb} failed (${where}, ${ms}); the generation that was serving keeps serving\n` +
      `error ${outcome.error?.code ?? '?'}: ${outcome.error?.message ?? ''}\n`,
  );
}
