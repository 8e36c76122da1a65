/**
 * diagnostics_channel events, for tracing and metrics without a logger:
 * - `hotswap:reload:start` `{ generation, kind }` when a load or reload begins;
 * - `hotswap:reload:end` `{ generation, kind, outcome }` when it has an outcome;
 * - `hotswap:generation:freed` `{ id, plugins }` when a replaced generation was freed (its onFree ran);
 * - `hotswap:leak:suspected` `{ plugin, version, freedAt, message }` when a freed plugin version is
 *   still alive `leakGracePeriod` after its free;
 * - `hotswap:job:error` `{ id, fn, error }` when a live job's function was missing, threw or rejected.
 * `generation` is the id the attempt's generation gets if one is built (it pairs start and end); a
 * reload that finds nothing changed builds none, its outcome names the current generation, and the
 * next attempt is given the same id.
 */
import { channel } from 'node:diagnostics_channel';
import type { ReloadOutcome } from './options.js';

export const reloadStartChannel = channel('hotswap:reload:start');
export const reloadEndChannel = channel('hotswap:reload:end');
export const freedChannel = channel('hotswap:generation:freed');
export const leakChannel = channel('hotswap:leak:suspected');
export const jobErrorChannel = channel('hotswap:job:error');

export type ReloadKind = 'load' | 'reload' | 'rollback';

export interface ReloadStartMessage {
  readonly generation: number;
  readonly kind: ReloadKind;
}

export interface ReloadEndMessage extends ReloadStartMessage {
  readonly outcome: ReloadOutcome;
}
