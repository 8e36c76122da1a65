/**
 * Live jobs: deferred work that survives reloads without keeping old code alive. A job holds only
 * a live function's name and plain data; its timer belongs to the host. When it fires, the name is
 * looked up in the generation current at that moment, so a job scheduled by version 1 runs
 * version 2's code if a reload happened in between, and version 1 can be collected meanwhile.
 */
import { InvalidArgumentError } from '../errors.js';
import type { JobId, LiveJobs, PendingJob } from '../plugin/definition.js';
import { check } from './data.js';

/** Calls live function `fn` of the current generation; throws LiveFunctionNotFoundError if none. */
export type LiveCaller = (fn: string, data: unknown) => unknown;

/** Told about a job whose function was missing, threw or rejected. */
export type JobErrorHandler = (error: unknown, job: { readonly id: JobId; readonly fn: string }) => void;

interface Scheduled {
  readonly fn: string;
  readonly timer: NodeJS.Timeout;
}

export class LiveJobScheduler implements LiveJobs {
  readonly #call: LiveCaller;
  readonly #onError: JobErrorHandler;
  /** Pending jobs in the order they were scheduled (a Map keeps insertion order). */
  readonly #jobs = new Map<JobId, Scheduled>();
  #nextId = 1;

  constructor(call: LiveCaller, onError: JobErrorHandler) {
    this.#call = call;
    this.#onError = onError;
  }

  schedule(fn: string, data: unknown, options: { readonly delayMs: number }): JobId {
    if (typeof fn !== 'string' || fn === '') throw new InvalidArgumentError('fn', 'expected the name of a live function');
    const delayMs = options?.delayMs;
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new InvalidArgumentError('delayMs', `expected a finite number >= 0, got ${String(delayMs)}`);
    }
    check(data);
    const id = this.#nextId++;
    // The callback closes over the name, the plain data and this scheduler only: no plugin code.
    this.#jobs.set(id, { fn, timer: setTimeout(() => this.#fire(id, fn, data), delayMs) });
    return id;
  }

  cancel(id: JobId): boolean {
    const job = this.#jobs.get(id);
    if (job === undefined) return false;
    clearTimeout(job.timer);
    this.#jobs.delete(id);
    return true;
  }

  get pending(): number {
    return this.#jobs.size;
  }

  list(fn?: string): PendingJob[] {
    const jobs: PendingJob[] = [];
    for (const [id, job] of this.#jobs) if (fn === undefined || job.fn === fn) jobs.push({ id, fn: job.fn });
    return jobs;
  }

  /** Cancels every pending job (the manager is closing). */
  cancelAll(): void {
    for (const job of this.#jobs.values()) clearTimeout(job.timer);
    this.#jobs.clear();
  }

  #fire(id: JobId, fn: string, data: unknown): void {
    this.#jobs.delete(id);
    const job = { id, fn };
    try {
      const result = this.#call(fn, data);
      if (result instanceof Promise) result.catch((error: unknown) => this.#onError(error, job));
    } catch (error) {
      this.#onError(error, job);
    }
  }
}
