/**
 * Building the next generation on the side: choose which plugins load and which carry over (and
 * stop there if nothing changed), order them by dependency, run onLoad and export, hand state over,
 * build the vault (refusing one that lacks a live function pending jobs name), run onVault and
 * onInit, ask onReload. Nothing here touches the current generation; a failure at any stage frees
 * what this attempt loaded and leaves everything else as it was.
 */
import {
  ExtensionFailedError,
  HookFailedError,
  isHotswapError,
  PluginEvaluationError,
  ReloadVetoedError,
  StateHandoffError,
  type HotswapError,
} from '../errors.js';
import { check } from '../live/data.js';
import type { LiveJobs, PluginContext } from '../plugin/definition.js';
import type { CallCounter } from './call-counter.js';
import { dependencyOrder, withDependents, type GraphNode } from './dependency-graph.js';
import { Generation } from './generation.js';
import { runHook } from './hooks.js';
import type { PluginInstance } from './instance.js';
import type { PluginDetail, ReloadStage, ResolvedOptions } from './options.js';
import { orphanedJobs } from './orphaned-jobs.js';
import { GenerationVault } from './vault.js';

/** A failure at one stage; the builder throws it, the manager turns it into an outcome. */
export class StageError extends Error {
  constructor(
    readonly stage: ReloadStage,
    readonly error: HotswapError,
  ) {
    super(error.message, { cause: error });
  }
}

/** A plugin available to the next generation: a manifest to load, or a statically linked definition. */
export interface Candidate {
  readonly name: string;
  readonly sha256: string;
  /** Makes a fresh instance (evaluates the artifact again). */
  instantiate(): Promise<PluginInstance>;
}

export interface NextGeneration<Ext> {
  /** Undefined when nothing changed: every plugin would be carried over and none removed. */
  readonly generation: Generation<Ext> | undefined;
  readonly details: PluginDetail[];
}

/** The instances this attempt created, so a failure can free exactly those. */
export interface Attempt {
  readonly created: PluginInstance[];
}

export interface BuildContext<Ext> {
  readonly id: number;
  readonly candidates: readonly Candidate[];
  readonly current: Generation<Ext> | undefined;
  readonly options: ResolvedOptions<Ext>;
  readonly jobs: LiveJobs;
  /** The manager's call counter, shared by every generation it builds. */
  readonly calls: CallCounter;
  readonly data: unknown;
  readonly attempt: Attempt;
}

export async function atStage<T>(stage: ReloadStage, plugin: string | undefined, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isHotswapError(error)) throw new StageError(stage, error);
    // Anything else escaping a stage is a fault of plugin code evaluated there.
    throw new StageError(stage, new PluginEvaluationError(plugin ?? '(unknown)', error));
  }
}

export async function buildNextGeneration<Ext>(build: BuildContext<Ext>): Promise<NextGeneration<Ext>> {
  const { id, current, options, attempt } = build;
  const chosen = await choosePlugins(build);
  // Nothing new, changed or removed: the next generation would be the current one again, so none is
  // built (no hook runs, no generation id is used).
  if (current !== undefined && chosen.details.every((d) => d.status === 'unchanged' || d.status === 'not reloadable')) {
    return { generation: undefined, details: orderDetails(chosen.details, [...current.instances.keys()]) };
  }
  const nodes: GraphNode[] = [...chosen.instances.values()];
  const order = await atStage('dependencies', undefined, () => dependencyOrder(nodes));
  const instances = new Map(order.map((name) => [name, chosen.instances.get(name) as PluginInstance]));
  const created = new Set(attempt.created);
  const isNew = (instance: PluginInstance): boolean => created.has(instance);
  const contextOf = (instance: PluginInstance): PluginContext => contextFor(instance, instances);

  // onLoad then export, in dependency order: a plugin's onLoad sees the exports of what it imports.
  for (const instance of instances.values()) {
    if (!isNew(instance)) continue;
    const definition = instance.definition;
    const ctx = contextOf(instance);
    await atStage('onLoad', instance.name, () =>
      runHook(instance.name, 'onLoad', options.hookTimeout, () => definition.onLoad?.(build.data, ctx)),
    );
    instance.loaded = true;
    if (definition.export !== undefined) {
      instance.exports = await atStage('export', instance.name, () =>
        runHook(instance.name, 'export', options.hookTimeout, () => definition.export?.(ctx)),
      );
    }
  }

  for (const instance of instances.values()) {
    const previous = current?.instances.get(instance.name);
    if (isNew(instance) && previous !== undefined && previous !== instance) {
      await handOverState(previous, instance, contextOf(instance), options.hookTimeout);
    }
  }

  const extension = await atStage('vault', undefined, () => {
    try {
      return options.extension();
    } catch (error) {
      throw new ExtensionFailedError(error);
    }
  });
  const vault = await atStage('vault', undefined, () => new GenerationVault(id, extension, instances.values(), build.jobs));
  const generation = new Generation<Ext>(id, instances, vault, build.calls);
  // Checked here, before any hook sees the new vault, and again last: the generation still serving
  // may schedule jobs while the hooks below run.
  const refuseOrphanedJobs = (): void => {
    const error = orphanedJobs(current, vault.liveFuncs, build.jobs);
    if (error !== undefined) throw new StageError('vault', error);
  };
  refuseOrphanedJobs();

  // onVault for every plugin (carried-over ones too, so the new extension is complete), then onInit for new ones.
  const carriedWithNewVault: PluginInstance[] = [];
  try {
    for (const instance of instances.values()) {
      const definition = instance.definition;
      if (definition.onVault === undefined) continue;
      if (!isNew(instance)) carriedWithNewVault.push(instance);
      const ctx = contextOf(instance);
      await atStage('onVault', instance.name, () =>
        runHook(instance.name, 'onVault', options.hookTimeout, () => definition.onVault?.(vault, ctx)),
      );
    }
    for (const instance of instances.values()) {
      const definition = instance.definition;
      if (!isNew(instance) || definition.onInit === undefined) continue;
      const ctx = contextOf(instance);
      await atStage('onInit', instance.name, () =>
        runHook(instance.name, 'onInit', options.hookTimeout, () => definition.onInit?.(vault, ctx)),
      );
    }
    await askHost(generation, current, options);
    refuseOrphanedJobs();
  } catch (error) {
    if (current !== undefined) await restoreVaults(carriedWithNewVault, current, options);
    throw error;
  }
  return { generation, details: orderDetails(chosen.details, order) };
}

/** What every hook of `instance` gets: its name, version, and the exports of what it imports. */
function contextFor(instance: PluginInstance, instances: ReadonlyMap<string, PluginInstance>): PluginContext {
  const { scope } = instance;
  return Object.freeze({
    name: instance.name,
    version: instance.version,
    deps: Object.freeze(Object.fromEntries(instance.imports.map((dep) => [dep, instances.get(dep)?.exports]))),
    signal: scope.signal,
    onCleanup: (cleanup: () => unknown) => scope.onCleanup(cleanup),
  });
}

/**
 * A carried-over plugin that was handed the new vault keeps serving in the current generation when
 * the reload fails: hand it the current vault again, so what it kept points at the generation that
 * is really serving. A failure here is logged; the reload has failed already.
 */
async function restoreVaults<Ext>(
  carried: readonly PluginInstance[],
  current: Generation<Ext>,
  options: ResolvedOptions<Ext>,
): Promise<void> {
  for (const instance of carried) {
    const definition = instance.definition;
    const ctx = contextFor(instance, current.instances);
    try {
      await runHook(instance.name, 'onVault', options.hookTimeout, () => definition.onVault?.(current.vault, ctx));
    } catch (error) {
      options.logger.error(`handing the current vault back to plugin "${instance.name}" failed: ${String(error)}`);
    }
  }
}

interface ChosenPlugins {
  readonly instances: Map<string, PluginInstance>;
  readonly details: PluginDetail[];
}

/**
 * New and changed plugins are loaded; unchanged and not-reloadable ones carried over; then every
 * carried-over plugin that imports a reloaded one (directly or not) is loaded afresh too, so it
 * binds to the new exports.
 */
async function choosePlugins<Ext>(build: BuildContext<Ext>): Promise<ChosenPlugins> {
  const { candidates, current, attempt } = build;
  const instances = new Map<string, PluginInstance>();
  const details = new Map<string, PluginDetail>();
  const load = async (candidate: Candidate, reason?: string): Promise<void> => {
    const previous = current?.instances.get(candidate.name);
    const instance = await atStage('load', candidate.name, () => candidate.instantiate());
    attempt.created.push(instance);
    instances.set(candidate.name, instance);
    details.set(candidate.name, {
      name: candidate.name,
      version: instance.version,
      status: 'ok',
      ...(previous === undefined ? {} : { previousVersion: previous.version }),
      ...(reason === undefined ? {} : { reason }),
    });
  };

  for (const candidate of candidates) {
    const previous = current?.instances.get(candidate.name);
    if (previous !== undefined && (!previous.reloadable || previous.sha256 === candidate.sha256)) {
      instances.set(candidate.name, previous);
      details.set(candidate.name, {
        name: candidate.name,
        version: previous.version,
        status: previous.reloadable ? 'unchanged' : 'not reloadable',
      });
    } else {
      await load(candidate);
    }
  }
  // Plugins whose manifest is gone: a not-reloadable one stays; the others leave with this reload.
  const removed = new Set<string>();
  for (const previous of current?.instances.values() ?? []) {
    if (instances.has(previous.name)) continue;
    if (previous.reloadable) {
      removed.add(previous.name);
      details.set(previous.name, { name: previous.name, version: previous.version, status: 'removed' });
    } else {
      instances.set(previous.name, previous);
      details.set(previous.name, { name: previous.name, version: previous.version, status: 'not reloadable' });
    }
  }

  const reloaded = new Set(attempt.created.map((i) => i.name));
  const affected = withDependents([...instances.values()], new Set([...reloaded, ...removed]));
  const candidateByName = new Map(candidates.map((c) => [c.name, c]));
  for (const name of affected) {
    const carried = instances.get(name);
    const candidate = candidateByName.get(name);
    if (carried === undefined || reloaded.has(name) || !carried.reloadable || candidate === undefined) continue;
    const because = carried.imports.filter((dep) => affected.has(dep));
    await load(candidate, `a plugin it imports was reloaded: ${because.join(', ')}`);
  }
  return { instances, details: [...details.values()] };
}

/** snapshot() of the outgoing version, checked as plain data, then restore() on the incoming one. */
async function handOverState(
  previous: PluginInstance,
  next: PluginInstance,
  ctx: PluginContext,
  hookTimeout: number,
): Promise<void> {
  const outgoing = previous.definition;
  if (outgoing.snapshot === undefined) return;
  let state: unknown;
  try {
    state = outgoing.snapshot(); // synchronous by contract: a promise is refused by check() below
    check(state);
  } catch (error) {
    throw new StageError('handoff', new StateHandoffError(previous.name, 'snapshot', error));
  }
  const definition = next.definition;
  if (definition.restore === undefined) return;
  try {
    await runHook(next.name, 'restore', hookTimeout, () => definition.restore?.(state, previous.version, ctx));
  } catch (error) {
    throw new StageError('handoff', new StateHandoffError(next.name, 'restore', isHotswapError(error) ? error.cause ?? error : error));
  }
}

/** The host's onReload callback: `false`, a throw or a rejection vetoes the generation. */
async function askHost<Ext>(
  generation: Generation<Ext>,
  current: Generation<Ext> | undefined,
  options: ResolvedOptions<Ext>,
): Promise<void> {
  const onReload = options.onReload;
  if (onReload === undefined) return;
  const verdict = await atStage('onReload', undefined, async () => {
    try {
      return await runHook('(host)', 'onReload', options.hookTimeout, () => onReload(generation.info(), current?.info()));
    } catch (error) {
      if (error instanceof HookFailedError) throw new ReloadVetoedError(generation.id, error.cause);
      throw error;
    }
  });
  if (verdict === false) throw new StageError('onReload', new ReloadVetoedError(generation.id));
}

/** Details in load order, removed plugins last. */
function orderDetails(details: readonly PluginDetail[], order: readonly string[]): PluginDetail[] {
  const rank = (d: PluginDetail): number => (d.status === 'removed' ? order.length : order.indexOf(d.name));
  return [...details].sort((a, b) => rank(a) - rank(b));
}
