/**
 * A rollout plan: the stages a release goes through (a share of the instances each, the last one
 * all of them), how long each stage bakes once its instances run the release, and how much worse
 * the upgraded instances' error rate may be than the others' before the release is rolled back.
 * `hotswap publish --canary 10%,50% --bake 30s --max-error-rate 1%` gives one.
 */
import { InvalidArgumentError } from '../errors.js';

export interface RolloutPlan {
  /** Shares of the instances, each in (0, 1], increasing, the last one 1. */
  readonly stages: readonly number[];
  /** How long each stage runs with all its instances upgraded before the next one starts (ms). */
  readonly bakeMs: number;
  /**
   * The gate fails when the error rate of plugin calls on upgraded instances exceeds the rate on
   * the other instances by more than this (0.01: one percentage point).
   */
  readonly maxErrorRate: number;
}

/** One percentage point more errors than the instances not upgraded. */
export const DEFAULT_MAX_ERROR_RATE = 0.01;

/** A release without canary stages: every instance at once, no bake. */
export const ALL_AT_ONCE: RolloutPlan = { stages: [1], bakeMs: 0, maxErrorRate: DEFAULT_MAX_ERROR_RATE };

/** The bake of a canary stage when `--bake` is not given. */
export const DEFAULT_BAKE_MS = 30_000;

/** `10%` or `0.1` as a fraction; `what` names the option in the error. */
export function parseFraction(what: string, text: string): number {
  const trimmed = text.trim();
  const percent = trimmed.endsWith('%');
  const value = Number(percent ? trimmed.slice(0, -1) : trimmed) / (percent ? 100 : 1);
  if (trimmed === '' || trimmed === '%' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError(what, `expected a share such as 10% or 0.1 (0 to 100%), got ${JSON.stringify(text)}`);
  }
  return value;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `2m`, `1h`, or a number of milliseconds. */
export function parseDuration(what: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (match === null) throw new InvalidArgumentError(what, `expected a duration such as 30s, 500ms or 2m, got ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1));
}

/**
 * The plan `hotswap publish` options describe. `canary`: the shares of the stages before the last
 * (`10%` or `10%,50%`); without it every instance gets the release at once (and bakes for `bake`,
 * if given, under the gate).
 */
export function planFrom(options: { readonly canary?: string | undefined; readonly bake?: string | undefined; readonly maxErrorRate?: string | undefined }): RolloutPlan {
  const canary = options.canary === undefined ? [] : options.canary.split(',').map((share) => parseFraction('--canary', share));
  for (const [i, share] of canary.entries()) {
    if (share === 0 || share === 1) throw new InvalidArgumentError('--canary', `a canary stage takes a share between 0 and 100% (exclusive), got ${JSON.stringify(options.canary)}`);
    if (i > 0 && share <= (canary[i - 1] ?? 0)) throw new InvalidArgumentError('--canary', `stages must grow, got ${JSON.stringify(options.canary)}`);
  }
  const bakeMs = options.bake === undefined ? (canary.length > 0 ? DEFAULT_BAKE_MS : 0) : parseDuration('--bake', options.bake);
  const maxErrorRate = options.maxErrorRate === undefined ? DEFAULT_MAX_ERROR_RATE : parseFraction('--max-error-rate', options.maxErrorRate);
  return { stages: [...canary, 1], bakeMs, maxErrorRate };
}

/** A plan read back from Redis, checked; undefined when it is not one. */
export function asPlan(value: unknown): RolloutPlan | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { stages, bakeMs, maxErrorRate } = value as Record<string, unknown>;
  if (!Array.isArray(stages) || stages.length === 0 || stages.at(-1) !== 1) return undefined;
  if (!stages.every((s, i) => typeof s === 'number' && s > 0 && s <= 1 && (i === 0 || s > (stages[i - 1] as number)))) return undefined;
  if (typeof bakeMs !== 'number' || !(bakeMs >= 0) || typeof maxErrorRate !== 'number' || !(maxErrorRate >= 0 && maxErrorRate <= 1)) return undefined;
  return { stages: stages as number[], bakeMs, maxErrorRate };
}
