/** The builder: plugin directories in, content-addressed artifacts plus manifests out. */
export { buildPlugins } from './build.js';
export { watchPlugins } from './watch.js';
export { linkPluginsStatically } from './static-link.js';
export { STATIC_MODULE_FILE } from './static-module.js';
export { ROOT_MODULE_CANDIDATES } from './plugin-source.js';
export { ARTIFACTS_KEPT } from './output.js';
export type {
  BuildLogger,
  BuildPluginsOptions,
  LinkPluginsStaticallyOptions,
  PluginBuildResult,
  PluginWatcher,
  StaticLinkResult,
  WatchPluginsOptions,
} from './options.js';
