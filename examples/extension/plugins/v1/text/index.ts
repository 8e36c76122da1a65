/**
 * text: registers `upper` and `reverse`. It is never rebuilt in the demo: when math is reloaded,
 * this same instance is carried over into the new generation and gets `onVault` with the new
 * generation's (empty) table, so its commands are there again. Its module state (`vaults`) shows
 * that it is the same instance, not a new one.
 */
import { definePlugin, type PluginContext, type Vault } from 'hotswap/plugin';
import type { Command, CommandTable } from '../../../commands.js';

let version = '?';
/** How many generations' vaults this instance has filled: module state, kept while carried over. */
let vaults = 0;

function register(vault: Vault<CommandTable>, ctx: PluginContext, name: string, help: string, run: Command['run']): void {
  const taken = vault.extension.commands.get(name);
  if (taken !== undefined) throw new Error(`command ${name} is already registered by ${taken.plugin} ${taken.version}`);
  vault.extension.commands.set(name, { plugin: ctx.name, version: ctx.version, help, run });
}

export default definePlugin.withTypes<{ extension: CommandTable }>()({
  onLoad(_data, ctx) {
    version = ctx.version;
    console.log(`text ${version}: onLoad`);
  },
  onVault(vault, ctx) {
    vaults++;
    console.log(`text ${ctx.version}: onVault #${vaults} of this instance, registering upper, reverse in generation ${vault.generation}`);
    register(vault, ctx, 'upper', 'upper <words...>: in capitals', (args) => args.join(' ').toUpperCase());
    register(vault, ctx, 'reverse', 'reverse <words...>: backwards', (args) => [...args.join(' ')].reverse().join(''));
  },
  onFree() {
    console.log(`text ${version}: onFree`);
  },
});
