/** `hotswap/plugin`: what a plugin author imports. Bundled into every plugin; host-free. */
export { definePlugin, isPluginDefinition, pluginBrand } from './definition.js';
export type { DefinedPlugin, PluginDefinition, PluginFunctions, Vault } from './definition.js';
