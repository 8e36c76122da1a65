/** The builder: plugin directories in, content-addressed artifacts plus manifests out. */
export { buildPlugins } from './build.js';
export { watchPlugins } from './watch.js';
export { ROOT_MODULE_CANDIDATES } from './plugin-source.js';
export { ARTIFACTS_KEPT } from './output.js';
export type {
  BuildLogger,
  BuildPluginsOptions,
  PluginBuildResult,
  PluginWatcher,
  WatchPluginsOptions,
} from './options.js';
