/**
 * PluginManager: loads the plugins of a directory into generations, reloads them atomically while
 * calls are running, and frees old generations once they have drained.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AlreadyLoadedError,
  describe,
  isHotswapError,
  type HotswapError,
  InvalidArgumentError,
  LiveFunctionNotFoundError,
  ManagerClosedError,
  NotLoadedError,
  PluginEvaluationError,
  RollbackUnavailableError,
  StaticReloadError,
} from '../errors.js';
import { announceReloadSignal } from '../discovery/announce.js';
import { registerManager } from './live-managers.js';
import { freedChannel, jobErrorChannel, reloadEndChannel, reloadStartChannel, type ReloadKind } from './diagnostics.js';
import { artifactCandidates, staticCandidates } from './candidates.js';
import type { Generation, PluginHandle } from './generation.js';
import { invokeEachIn, type InvokeEachResult } from './invoke-each.js';
import { LeakDetector } from './leak-detector.js';
import { FunctionArtifactLoader, type ArtifactLoader } from './loader.js';
import { signedOnly } from './signed-loader.js';
import { LiveJobScheduler } from '../live/jobs.js';
import type { FunctionsOf, Vault } from '../plugin/definition.js';
import { CallCounter } from './call-counter.js';
import { buildNextGeneration, StageError, type Attempt, type Candidate } from './next-generation.js';
import {
  resolveOptions,
  type FreedGenerationInfo,
  type PluginManagerOptions,
  type ReloadOutcome,
  type ResolvedOptions,
} from './options.js';
import { Pins } from './pin.js';
import { Reclaimer } from './reclaimer.js';
import { DEFAULT_RELOAD_SIGNAL, listenForSignal } from './signal.js';
import { recentOutcome, statusOf, type ManagerStatus, type RecentOutcome } from './status.js';
import { KeptGenerations } from './kept-generations.js';
import { summarizeDetails } from './summary.js';

/** Events a PluginManager emits. */
export interface PluginManagerEvents {
  /** After every load or reload, with its outcome. */
  reload: [outcome: ReloadOutcome];
  /** After a replaced generation was freed and its onFree hooks ran: the versions it freed. */
  freed: [generation: FreedGenerationInfo];
  /** A live job's function was missing, threw or rejected when it fired. */
  jobError: [error: unknown, job: { readonly id: number; readonly fn: string }];
}

interface ReloadRequest {
  readonly kind: ReloadKind;
  data: unknown;
  /** For a rollback: the generation asked for (undefined: the newest earlier one that runs other artifacts). */
  readonly to?: number | undefined;
  /** For a rollback: forget the generation it leaves. */
  readonly discard?: boolean | undefined;
}

interface PendingReload extends ReloadRequest {
  promise: Promise<ReloadOutcome>;
}

/** How many outcomes `status().recent` lists. */
const RECENT_OUTCOMES = 10;

export class PluginManager<Ext = Record<string, unknown>> extends EventEmitter<PluginManagerEvents> {
  readonly #options: ResolvedOptions<Ext>;
  /** Created on first use: a manager of static plugins never compiles artifacts. */
  #loader: ArtifactLoader | undefined;
  /** The loader the manager made (no `loader` option): `status().compile` reports its counts. */
  #defaultLoader: FunctionArtifactLoader | undefined;
  readonly #leaks: LeakDetector;
  readonly #reclaimer: Reclaimer<Ext>;
  readonly #pins = new Pins<Ext>();
  #current: Generation<Ext> | undefined;
  #nextId = 1;
  #running: Promise<ReloadOutcome> | undefined;
  /** Loads, reloads and rollbacks waiting for the running one, in the order asked. */
  readonly #queue: PendingReload[] = [];
  readonly #kept: KeptGenerations;
  readonly #recent: RecentOutcome[] = [];
  #loadCalled = false;
  #closed = false;
  #reloadCount = 0;
  #failedCount = 0;
  #lastOutcome: ReloadOutcome | undefined;
  readonly #signalListeners = new Set<() => void>();
  #pluginDir: string | undefined;
  /** One scheduler for the manager's life: jobs outlive the generation that scheduled them. */
  readonly #jobs: LiveJobScheduler;
  readonly #calls = new CallCounter();

  constructor(options: PluginManagerOptions<Ext>) {
    super();
    this.#options = resolveOptions(options);
    this.#leaks = new LeakDetector(this.#options.leakGracePeriod);
    this.#pluginDir = this.#options.pluginDir;
    this.#jobs = new LiveJobScheduler(
      (fn, data) => this.callLive(fn, data),
      (error, job) => {
        this.#options.logger.error(`live job ${job.id} (${job.fn}) failed: ${String(error)}`);
        if (jobErrorChannel.hasSubscribers) jobErrorChannel.publish({ id: job.id, fn: job.fn, error });
        this.emit('jobError', error, job);
      },
    );
    // A loader of the caller's is wrapped too: trusted keys hold whoever compiles the artifacts.
    const { loader, trustedKeys } = this.#options;
    this.#loader = loader === undefined ? undefined : signedOnly(loader, trustedKeys);
    this.#kept = new KeptGenerations(this.#options.keepGenerations, this.#options.logger);
    this.#reclaimer = new Reclaimer<Ext>({
      freeDelay: this.#options.freeDelay,
      drainTimeout: this.#options.drainTimeout,
      hookTimeout: this.#options.hookTimeout,
      logger: this.#options.logger,
      leaks: this.#leaks,
      onFreed: (generation) => {
        if (freedChannel.hasSubscribers) freedChannel.publish(generation);
        this.emit('freed', generation);
      },
    });
    if (this.#options.sourceMaps) process.setSourceMapsEnabled(true);
    // Found by a control server started before the program (hotswap run).
    this.#unregister = registerManager(this);
  }

  readonly #unregister: () => void;

  /**
   * Loads every plugin of `pluginDir` into the first generation. Resolves to an outcome; rejects
   * only for programmer errors (called twice, called after close()).
   */
  load(data?: unknown): Promise<ReloadOutcome> {
    if (this.#closed) return Promise.reject(new ManagerClosedError('load'));
    if (this.#loadCalled) return Promise.reject(new AlreadyLoadedError());
    this.#loadCalled = true;
    return this.#schedule({ kind: 'load', data });
  }

  /**
   * Builds the next generation from what is in `pluginDir` now and swaps it in if every stage
   * succeeds. One load or reload runs at a time: a reload called while one runs is queued behind it,
   * and further calls made while one is queued join the queued one (its `data` is the latest given),
   * so a burst of triggers costs at most one extra reload.
   */
  reload(data?: unknown): Promise<ReloadOutcome> {
    if (this.#closed) return Promise.reject(new ManagerClosedError('reload'));
    if (!this.#loadCalled) return Promise.reject(new NotLoadedError('reload'));
    return this.#schedule({ kind: 'reload', data });
  }

  /**
   * Builds a new generation from the exact artifacts (by sha256) of an earlier one, `to` (default:
   * the newest earlier generation that runs other artifacts), whatever the plugin directory holds
   * now: the manager keeps its last `keepGenerations` generations, with copies of their artifacts.
   * Runs like a reload (hooks, state handoff, in-flight calls finish on the old code) and resolves to
   * its outcome, with `rolledBackTo`; a generation not kept is a failed outcome
   * (HOTSWAP_ERR_ROLLBACK_UNAVAILABLE) and changes nothing. The next `reload()` reads the plugin
   * directory again. With `discard: true`, the generation it leaves is forgotten (no longer a
   * rollback target): how a cluster undoes a reload that another worker refused.
   */
  rollback(options: { readonly to?: number | undefined; readonly data?: unknown; readonly discard?: boolean | undefined } = {}): Promise<ReloadOutcome> {
    if (this.#closed) return Promise.reject(new ManagerClosedError('rollback'));
    if (!this.#loadCalled) return Promise.reject(new NotLoadedError('rollback'));
    if (typeof options !== 'object' || options === null) return Promise.reject(new InvalidArgumentError('options', 'expected an object'));
    const { to, data, discard } = options;
    if (to !== undefined && (!Number.isSafeInteger(to) || to < 1)) {
      return Promise.reject(new InvalidArgumentError('to', `expected a generation id (a positive integer), got ${String(to)}`));
    }
    return this.#schedule({ kind: 'rollback', data, to, discard: discard === true });
  }

  /**
   * Calls `functions[fn]` of `plugin` in the current generation (or the pinned one, inside `pin`).
   * The call counts as in flight on that generation until its returned promise settles.
   */
  invoke<R = unknown>(plugin: string, fn: string, ...args: unknown[]): R;
  invoke(plugin: string, fn: string, a0?: unknown, a1?: unknown, a2?: unknown): unknown {
    const generation = this.#generationFor('invoke');
    const target = generation.resolve(plugin, fn);
    // `arguments` rather than a rest parameter: no array allocated per call on this hot path.
    const count = arguments.length - 2;
    // eslint-disable-next-line prefer-rest-params -- see above
    const rest = count > 3 ? (Array.prototype.slice.call(arguments, 2) as unknown[]) : undefined;
    return generation.call(target, count, a0, a1, a2, rest);
  }

  /**
   * The plugin's functions in the current (or pinned) generation; each call is counted in flight.
   * Typed from the plugin's definition with `find<typeof plugin>('name')` (a type-only import of
   * the plugin's root module): `functions` then has the definition's functions and signatures.
   */
  find<P = never>(plugin: string): PluginHandle<[P] extends [never] ? Record<string, (...args: never[]) => unknown> : FunctionsOf<P>> {
    return this.#generationFor('find').handle(plugin) as PluginHandle<never>;
  }

  /**
   * Runs `callback` with the current generation pinned: every invoke/find inside it, across awaits,
   * uses that generation even if a reload swaps in another meanwhile. Counts as one call in flight
   * until the callback settles. Nested pins keep the outer generation.
   */
  pin<T>(callback: () => T | Promise<T>): Promise<T> {
    return this.#pins.run(this.#generationFor('pin'), callback);
  }

  /**
   * Calls `fn` on every plugin of the current (or pinned) generation whose `functions` has it, one
   * after the other in dependency order (a plugin after those it imports). A plugin's throw or
   * rejection is reported in its result and logged; the others still run.
   */
  invokeEach(fn: string, ...args: unknown[]): Promise<InvokeEachResult[]> {
    return invokeEachIn(this.#generationFor('invokeEach'), fn, args, false, this.#options.logger);
  }

  /** `invokeEach` in reverse dependency order (dependents before what they import). */
  invokeEachBackward(fn: string, ...args: unknown[]): Promise<InvokeEachResult[]> {
    return invokeEachIn(this.#generationFor('invokeEachBackward'), fn, args, true, this.#options.logger);
  }

  /**
   * Calls live function `fn` of the current (or pinned) generation, counted in flight like
   * `invoke`. This is what a live job does when it fires.
   */
  callLive<R = unknown>(fn: string, ...args: unknown[]): R {
    const generation = this.#generationFor('callLive');
    const target = generation.vault.liveFuncs[fn] as ((...a: unknown[]) => unknown) | undefined;
    if (target === undefined) throw new LiveFunctionNotFoundError(fn, generation.id);
    return generation.track(target, args) as R;
  }

  /**
   * The vault of the current (or pinned) generation: read `manager.vault.extension` to call what
   * the plugins registered. Read it per request (or inside `pin`): a reload swaps in a new one.
   */
  get vault(): Vault<Ext> {
    return this.#generationFor('vault').vault;
  }

  /** The live job scheduler plugins see as `vault.jobs`. */
  get jobs(): LiveJobScheduler {
    return this.#jobs;
  }

  /**
   * Points the next reloads at another plugin directory (for example the output of a new release).
   * Takes effect at the next reload; the current generation is untouched.
   */
  usePluginDir(dir: string): void {
    if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('dir', 'expected a non-empty string');
    if (this.#options.staticPlugins !== undefined) throw new StaticReloadError();
    this.#pluginDir = resolve(dir);
  }

  /** The plugin directory the next reload reads (undefined for static plugins). */
  get pluginDir(): string | undefined {
    return this.#pluginDir;
  }

  /** Reloads whenever the process receives `signal`; returns a function that stops listening. */
  reloadOnSignal(signal: NodeJS.Signals = DEFAULT_RELOAD_SIGNAL, data?: unknown): () => void {
    if (this.#closed) throw new ManagerClosedError('reloadOnSignal');
    const stop = listenForSignal(signal, () => {
      this.#options.logger.info(`${signal} received: reloading`);
      if (this.#closed) return;
      this.reload(data).catch((error: unknown) => this.#options.logger.error(String(error)));
    });
    // The record lets `hotswap reload` find this process and know it is safe to signal.
    let unannounce = (): void => {};
    try {
      unannounce = announceReloadSignal(signal);
    } catch (error) {
      this.#options.logger.warn(`reloading on ${signal}, but \`hotswap reload\` will not find this process: ${describe(error)}`);
    }
    const remove = (): void => {
      // Unannounced first: the record must never name a signal the process no longer handles.
      unannounce();
      stop();
      this.#signalListeners.delete(remove);
    };
    this.#signalListeners.add(remove);
    return remove;
  }

  /** A snapshot of the manager: current generation, versions, reloads, generations awaiting free, leaks. */
  status(): ManagerStatus {
    return statusOf({
      current: this.#current,
      retired: this.#reclaimer.retired,
      reloadCount: this.#reloadCount,
      failedCount: this.#failedCount,
      lastOutcome: this.#lastOutcome,
      recent: this.#recent,
      kept: this.#kept.list(),
      leaks: this.#leaks.suspects(Date.now()),
      closed: this.#closed,
      calls: this.#calls,
      compile: this.#defaultLoader?.counts,
    });
  }

  /**
   * Stops listening to signals, waits for a running reload, then frees every generation (the current
   * one included) whatever is in flight, running all onFree hooks. The manager cannot be used after.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    for (const remove of [...this.#signalListeners]) remove();
    this.#jobs.cancelAll();
    await this.#queue.at(-1)?.promise;
    await this.#running;
    const current = this.#current;
    this.#current = undefined;
    if (current !== undefined) this.#reclaimer.retire(current, Date.now());
    await this.#reclaimer.freeAll();
    await this.#kept.close();
  }

  #generationFor(operation: string): Generation<Ext> {
    const generation = this.#pins.pinned() ?? this.#current;
    if (generation !== undefined) return generation;
    throw this.#closed ? new ManagerClosedError(operation) : new NotLoadedError(operation);
  }

  #schedule(request: ReloadRequest): Promise<ReloadOutcome> {
    const last = this.#queue.at(-1);
    // A burst of reloads costs one: a reload joins a queued reload. A rollback never joins anything.
    if (last !== undefined && last.kind === 'reload' && request.kind === 'reload') {
      last.data = request.data;
      return last.promise;
    }
    const ahead = last?.promise ?? this.#running;
    if (ahead === undefined) return this.#start(request);
    const pending: PendingReload = { ...request, promise: Promise.resolve(undefined as never) };
    pending.promise = ahead.then(() => {
      this.#queue.shift();
      return this.#start(pending);
    });
    this.#queue.push(pending);
    return pending.promise;
  }

  #start(request: ReloadRequest): Promise<ReloadOutcome> {
    const run = this.#perform(request).finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #perform({ kind, data, to, discard }: ReloadRequest): Promise<ReloadOutcome> {
    const id = this.#nextId++;
    const startedAt = performance.now();
    if (reloadStartChannel.hasSubscribers) reloadStartChannel.publish({ generation: id, kind });
    const attempt: Attempt = { created: [] };
    let outcome: ReloadOutcome;
    try {
      const { candidates, rolledBackTo } = await this.#candidates(kind, to).catch((error: unknown) => {
        throw new StageError('discover', asHotswapError(error));
      });
      const rollback = rolledBackTo === undefined ? {} : { rolledBackTo };
      const next = await buildNextGeneration({
        id,
        candidates,
        current: this.#current,
        options: this.#options,
        jobs: this.#jobs,
        calls: this.#calls,
        data,
        attempt,
      });
      if (next.generation === undefined) {
        // Nothing changed: the current generation stays, and the id is given back for the next one
        // (one load or reload runs at a time, so nothing took it meanwhile).
        this.#nextId = id;
        const current = this.#current as Generation<Ext>;
        const summary = `nothing changed: ${summarizeDetails(next.details)}`;
        const durationMs = performance.now() - startedAt;
        outcome = { ok: true, changed: false, generation: current.id, details: next.details, summary, durationMs, ...rollback };
        this.#options.logger.info(`${kind} found nothing changed: generation ${current.id} stays current`);
      } else {
        const left = this.#current?.id;
        this.#swap(next.generation);
        if (kind !== 'load') this.#reloadCount++;
        await this.#kept.keep(next.generation);
        if (discard === true && left !== undefined) await this.#kept.forget(left);
        const summary = summarizeDetails(next.details);
        const durationMs = performance.now() - startedAt;
        outcome = { ok: true, changed: true, generation: id, details: next.details, summary, durationMs, ...rollback };
        const back = rolledBackTo === undefined ? '' : ` (the artifacts of generation ${rolledBackTo})`;
        this.#options.logger.info(`generation ${id} is current${back}: ${summary}`);
      }
    } catch (thrown) {
      const failure = thrown instanceof StageError ? thrown : new StageError('load', asHotswapError(thrown));
      // Free what this attempt loaded, newest first; the current generation was never touched.
      for (const instance of attempt.created.reverse()) await this.#reclaimer.freeInstance(instance);
      this.#failedCount++;
      outcome = {
        ok: false,
        generation: id,
        error: failure.error,
        stage: failure.stage,
        plugin: failure.error.plugin,
        durationMs: performance.now() - startedAt,
      };
      this.#options.logger.warn(`${kind} failed at ${failure.stage}: ${failure.error.message}`);
    }
    this.#lastOutcome = outcome;
    this.#recent.push(recentOutcome(kind, outcome));
    if (this.#recent.length > RECENT_OUTCOMES) this.#recent.shift();
    if (reloadEndChannel.hasSubscribers) reloadEndChannel.publish({ generation: id, kind, outcome });
    this.emit('reload', outcome);
    return outcome;
  }

  /** What the next generation is built from: the plugin directory now, or for a rollback a kept generation. */
  async #candidates(kind: ReloadKind, to: number | undefined): Promise<{ candidates: Candidate[]; rolledBackTo?: number }> {
    const { staticPlugins, whitelist } = this.#options;
    if (staticPlugins !== undefined) {
      if (this.#current !== undefined || kind === 'rollback') throw new StaticReloadError();
      return { candidates: staticCandidates(staticPlugins, whitelist) };
    }
    if (this.#loader === undefined) {
      this.#defaultLoader = new FunctionArtifactLoader();
      this.#loader = signedOnly(this.#defaultLoader, this.#options.trustedKeys);
    }
    if (kind !== 'rollback') return { candidates: await artifactCandidates(this.#pluginDir as string, whitelist, this.#loader) };
    const current = this.#current;
    if (current === undefined) throw new RollbackUnavailableError(to, 'no generation is current (the load failed)');
    const target = this.#kept.candidates(to, current.id, this.#loader);
    return { candidates: target.candidates, rolledBackTo: target.id };
  }

  /** The atomic part of a reload: one assignment makes the new generation current. */
  #swap(next: Generation<Ext>): void {
    for (const instance of next.instances.values()) instance.generations++;
    const now = Date.now();
    next.state = 'current';
    next.swappedAt = now;
    const previous = this.#current;
    this.#current = next;
    if (previous !== undefined) this.#reclaimer.retire(previous, now);
  }
}

function asHotswapError(error: unknown): HotswapError {
  return isHotswapError(error) ? error : new PluginEvaluationError('(unknown)', error);
}

