/**
 * How the CLI prints the outcome of a node:cluster operated as one target (src/control/cluster.ts):
 * one line per worker, with the worker's own outcome, and on failure the worker at fault and what
 * the others did to return to what they ran before.
 */
import { EXIT_FAILED } from './report.js';

export interface WireClusterOutcome {
  readonly ok: boolean;
  readonly cluster: true;
  readonly workers: readonly WorkerLine[];
  readonly failedWorker?: { readonly worker: number; readonly pid: number };
  readonly error?: { readonly code?: string; readonly message: string };
  readonly restored?: readonly WorkerLine[];
  readonly durationMs: number;
}

interface WorkerLine {
  readonly worker: number;
  readonly pid: number;
  readonly outcome: { readonly ok: boolean; readonly error?: { readonly code?: string; readonly message: string } };
  readonly rotation?: { readonly left: boolean; readonly reason?: string; readonly connectionsLeft: number; readonly drainMs: number };
}

export function isClusterOutcome(outcome: unknown): outcome is WireClusterOutcome {
  return typeof outcome === 'object' && outcome !== null && (outcome as { cluster?: unknown }).cluster === true;
}

function rotationNote(line: WorkerLine): string {
  const r = line.rotation;
  if (r === undefined) return '';
  if (!r.left) return ` [stayed in rotation: ${r.reason ?? '?'}]`;
  return ` [out of rotation, drained in ${r.drainMs} ms${r.connectionsLeft === 0 ? '' : `, ${r.connectionsLeft} connection(s) still open`}]`;
}

/**
 * Prints a cluster outcome; `describeWorker` says in a few words what a worker's own successful
 * outcome is (`generation 3: p v1 -> v2`).
 */
export function printClusterOutcome(verb: string, outcome: WireClusterOutcome, json: boolean, describeWorker: (outcome: unknown) => string): void {
  if (!outcome.ok) process.exitCode = EXIT_FAILED;
  if (json) {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    return;
  }
  const line = (w: WorkerLine): string =>
    `  worker ${w.worker} (pid ${w.pid}): ${w.outcome.ok ? describeWorker(w.outcome) : `failed: ${w.outcome.error?.code ?? '?'}: ${w.outcome.error?.message ?? ''}`}${rotationNote(w)}\n`;
  const ms = `${outcome.durationMs.toFixed(0)} ms`;
  if (outcome.ok) {
    process.stdout.write(`${verb}: done in ${outcome.workers.length} worker(s) (${ms})\n${outcome.workers.map(line).join('')}`);
    return;
  }
  const who = outcome.failedWorker === undefined ? '' : ` in worker ${outcome.failedWorker.worker} (pid ${outcome.failedWorker.pid})`;
  let text = `${verb} failed${who} (${ms}); every worker runs what it ran before\nerror ${outcome.error?.code ?? '?'}: ${outcome.error?.message ?? ''}\n`;
  text += outcome.workers.map(line).join('');
  if ((outcome.restored ?? []).length > 0) text += `returned to what they ran before:\n${(outcome.restored ?? []).map(line).join('')}`;
  process.stderr.write(text);
}
