/**
 * Building the next generation on the side: discover, load what is new or changed, run onLoad,
 * build the vault, run onInit, ask onReload. Nothing here touches the current generation; a
 * failure at any stage frees what this attempt loaded and leaves everything else as it was.
 */
import type { Manifest } from '../artifact/manifest.js';
import {
  ExtensionFailedError,
  HookFailedError,
  isHotswapError,
  type HotswapError,
  PluginEvaluationError,
  ReloadVetoedError,
} from '../errors.js';
import { Generation } from './generation.js';
import { runHook } from './hooks.js';
import { PluginInstance } from './instance.js';
import type { ArtifactLoader } from './loader.js';
import type { PluginDetail, ReloadStage, ResolvedOptions } from './options.js';
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

export interface NextGeneration<Ext> {
  readonly generation: Generation<Ext>;
  readonly details: PluginDetail[];
}

/** The instances this attempt created, so a failure can free exactly those. */
export interface Attempt {
  readonly created: PluginInstance[];
}

async function atStage<T>(stage: ReloadStage, plugin: string | undefined, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isHotswapError(error)) throw new StageError(stage, error);
    // Anything else escaping a stage is a fault of plugin code evaluated there.
    throw new StageError(stage, new PluginEvaluationError(plugin ?? '(unknown)', error));
  }
}

export async function buildNextGeneration<Ext>(
  id: number,
  manifests: readonly Manifest[],
  current: Generation<Ext> | undefined,
  options: ResolvedOptions<Ext>,
  loader: ArtifactLoader,
  data: unknown,
  attempt: Attempt,
): Promise<NextGeneration<Ext>> {
  const instances = new Map<string, PluginInstance>();
  const details: PluginDetail[] = [];

  // Load: every new or changed plugin is evaluated; unchanged and not-reloadable ones are carried over.
  for (const manifest of manifests) {
    const previous = current?.instances.get(manifest.name);
    if (previous !== undefined && (!previous.reloadable || previous.sha256 === manifest.sha256)) {
      instances.set(manifest.name, previous);
      details.push({ name: manifest.name, version: previous.version, status: previous.reloadable ? 'unchanged' : 'not reloadable' });
      continue;
    }
    const instance = await atStage('load', manifest.name, async () =>
      PluginInstance.fromExports(manifest, (await loader.load(manifest, options.pluginDir)).exports),
    );
    attempt.created.push(instance);
    instances.set(manifest.name, instance);
    details.push({
      name: manifest.name,
      version: instance.version,
      status: 'ok',
      ...(previous === undefined ? {} : { previousVersion: previous.version }),
    });
  }
  // Plugins whose manifest is gone: a not-reloadable one stays; the others leave with this reload.
  for (const previous of current?.instances.values() ?? []) {
    if (instances.has(previous.name)) continue;
    if (previous.reloadable) {
      details.push({ name: previous.name, version: previous.version, status: 'removed' });
    } else {
      instances.set(previous.name, previous);
      details.push({ name: previous.name, version: previous.version, status: 'not reloadable' });
    }
  }

  for (const instance of attempt.created) {
    const definition = instance.definition;
    if (definition.onLoad !== undefined) {
      await atStage('onLoad', instance.name, () =>
        runHook(instance.name, 'onLoad', options.hookTimeout, () => definition.onLoad?.(data)),
      );
    }
    instance.loaded = true;
  }

  const extension = await atStage('vault', undefined, () => {
    try {
      return options.extension();
    } catch (error) {
      throw new ExtensionFailedError(error);
    }
  });
  const generation = new Generation<Ext>(id, instances, new GenerationVault(extension));

  for (const instance of attempt.created) {
    const definition = instance.definition;
    if (definition.onInit === undefined) continue;
    await atStage('onInit', instance.name, () =>
      runHook(instance.name, 'onInit', options.hookTimeout, () => definition.onInit?.(generation.vault)),
    );
  }

  const onReload = options.onReload;
  if (onReload !== undefined) {
    const verdict = await atStage('onReload', undefined, async () => {
      try {
        return await runHook('(host)', 'onReload', options.hookTimeout, () =>
          onReload(generation.info(), current?.info()),
        );
      } catch (error) {
        if (error instanceof HookFailedError) throw new ReloadVetoedError(id, error.cause);
        throw error;
      }
    });
    if (verdict === false) throw new StageError('onReload', new ReloadVetoedError(id));
  }
  return { generation, details };
}
