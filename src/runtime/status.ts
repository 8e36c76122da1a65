/**
 * `manager.status()`: a plain, JSON-serialisable snapshot for logs, admin routes and the CLI.
 */
import type { CallCounts } from './call-counter.js';
import type { ReloadKind } from './diagnostics.js';
import type { CompileCounts } from './loader.js';
import type { Generation } from './generation.js';
import type { KeptGenerationStatus } from './kept-generations.js';
import type { SuspectedLeak } from './leak-detector.js';
import type { ReloadOutcome } from './options.js';

export interface PluginStatusEntry {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly reloadable: boolean;
}

export interface RetiredGenerationStatus {
  readonly id: number;
  /** When it was swapped out (ms since the epoch). */
  readonly retiredAt: number;
  /** Calls still running on it. */
  readonly inFlight: number;
  readonly plugins: readonly string[];
}

/** One load, reload or rollback as `status().recent` lists it. */
export type RecentOutcome = {
  readonly kind: ReloadKind;
  /** When it ended (ms since the epoch). */
  readonly at: number;
  readonly durationMs: number;
} & (
  | { readonly ok: true; readonly changed: boolean; readonly generation: number; readonly summary: string; readonly rolledBackTo?: number }
  | {
      readonly ok: false;
      /** The id the failed attempt was building (never current). */
      readonly generation: number;
      readonly code: string;
      readonly message: string;
      readonly stage: string;
      readonly plugin: string | undefined;
    }
);

export function recentOutcome(kind: ReloadKind, outcome: ReloadOutcome): RecentOutcome {
  const common = { kind, at: Date.now(), durationMs: Math.round(outcome.durationMs * 100) / 100 };
  if (!outcome.ok) {
    return { ...common, ok: false, generation: outcome.generation, code: outcome.error.code, message: outcome.error.message, stage: outcome.stage, plugin: outcome.plugin };
  }
  const back = outcome.rolledBackTo === undefined ? {} : { rolledBackTo: outcome.rolledBackTo };
  return { ...common, ok: true, changed: outcome.changed, generation: outcome.generation, summary: outcome.summary, ...back };
}

export interface ManagerStatus {
  readonly closed: boolean;
  /** The generation serving calls, if a load succeeded. */
  readonly current:
    | { readonly id: number; readonly swappedAt: number; readonly inFlight: number; readonly plugins: readonly PluginStatusEntry[] }
    | undefined;
  /** Reloads that swapped in a new generation since load (the load itself, and reloads that found nothing changed, not counted). */
  readonly reloadCount: number;
  /** Loads and reloads that failed. */
  readonly failedCount: number;
  readonly lastOutcome:
    | { readonly ok: true; readonly generation: number }
    | { readonly ok: false; readonly code: string; readonly message: string; readonly stage: string; readonly plugin: string | undefined }
    | undefined;
  /** The last loads, reloads and rollbacks (up to 10), oldest first. */
  readonly recent: readonly RecentOutcome[];
  /** The generations `rollback()` can go back to (the current one included), oldest first. */
  readonly kept: readonly KeptGenerationStatus[];
  /** Replaced generations not yet freed (draining), oldest first. */
  readonly retired: readonly RetiredGenerationStatus[];
  /** Freed plugin versions still alive after the leak grace period. */
  readonly leaks: readonly SuspectedLeak[];
  /** Plugin calls since the manager was made (every generation), and how many threw or rejected. */
  readonly calls: CallCounts;
  /**
   * How the artifacts were compiled: in the worker (`cached`), on the main thread after V8 rejected
   * the worker's code cache (`rejected`), or on the main thread (`mainThread`). Undefined with a
   * loader of the caller's, and before the first load.
   */
  readonly compile: CompileCounts | undefined;
}

export interface StatusSources<Ext> {
  readonly current: Generation<Ext> | undefined;
  readonly retired: readonly Generation<Ext>[];
  readonly reloadCount: number;
  readonly failedCount: number;
  readonly lastOutcome: ReloadOutcome | undefined;
  readonly recent: readonly RecentOutcome[];
  readonly kept: readonly KeptGenerationStatus[];
  readonly leaks: readonly SuspectedLeak[];
  readonly closed: boolean;
  readonly calls: CallCounts;
  readonly compile: CompileCounts | undefined;
}

export function statusOf<Ext>(s: StatusSources<Ext>): ManagerStatus {
  const current = s.current;
  const outcome = s.lastOutcome;
  return {
    closed: s.closed,
    current:
      current === undefined
        ? undefined
        : {
            id: current.id,
            swappedAt: current.swappedAt ?? 0,
            inFlight: current.inFlight,
            plugins: [...current.instances.values()].map((i) => ({
              name: i.name,
              version: i.version,
              sha256: i.sha256,
              reloadable: i.reloadable,
            })),
          },
    reloadCount: s.reloadCount,
    failedCount: s.failedCount,
    lastOutcome:
      outcome === undefined
        ? undefined
        : outcome.ok
          ? { ok: true, generation: outcome.generation }
          : { ok: false, code: outcome.error.code, message: outcome.error.message, stage: outcome.stage, plugin: outcome.plugin },
    recent: [...s.recent],
    kept: s.kept,
    retired: s.retired.map((g) => ({
      id: g.id,
      retiredAt: g.retiredAt ?? 0,
      inFlight: g.inFlight,
      plugins: [...g.instances.values()].map((i) => `${i.name}@${i.version}`),
    })),
    leaks: s.leaks,
    calls: { total: s.calls.total, failed: s.calls.failed },
    compile: s.compile,
  };
}
