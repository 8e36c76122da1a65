/** `hotswap/plugin`: what a plugin author imports. Bundled into every plugin; host-free. */
export { definePlugin, isPluginDefinition, pluginBrand } from './definition.js';
export type {
  DataBag,
  DefinedPlugin,
  DefinePlugin,
  ExportsOf,
  FunctionsOf,
  JobId,
  LiveFunction,
  LiveJobs,
  LiveType,
  PendingJob,
  PluginContext,
  PluginDefinition,
  PluginFunctions,
  PluginTypes,
  TypedDefinition,
  Vault,
} from './definition.js';
export { live, LIVE_TYPE_TAG } from '../live/index.js';
export type { CheckOptions, LiveData } from '../live/index.js';
