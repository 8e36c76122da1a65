/**
 * math v1: registers `add` and `mul` in the command table of every generation it is part of.
 * (v2, in ../../v2/math, changes `add` and adds `pow`.)
 */
import { definePlugin, type PluginContext, type Vault } from 'hotswap/plugin';
import type { Command, CommandTable } from '../../../commands.js';

let version = '?';

function numbers(args: readonly string[]): number[] {
  const values = args.map(Number);
  const bad = args.find((_, i) => Number.isNaN(values[i]));
  if (bad !== undefined) throw new Error(`not a number: ${bad}`);
  return values;
}

function register(vault: Vault<CommandTable>, ctx: PluginContext, name: string, help: string, run: Command['run']): void {
  const taken = vault.extension.commands.get(name);
  if (taken !== undefined) throw new Error(`command ${name} is already registered by ${taken.plugin} ${taken.version}`);
  vault.extension.commands.set(name, { plugin: ctx.name, version: ctx.version, help, run });
}

export default definePlugin.withTypes<{ extension: CommandTable }>()({
  onLoad(_data, ctx) {
    version = ctx.version;
    console.log(`math ${version}: onLoad`);
  },
  onVault(vault, ctx) {
    console.log(`math ${ctx.version}: onVault, registering add, mul in generation ${vault.generation}`);
    register(vault, ctx, 'add', 'add <n...>: their sum', (args) => String(numbers(args).reduce((a, b) => a + b, 0)));
    register(vault, ctx, 'mul', 'mul <n...>: their product', (args) => String(numbers(args).reduce((a, b) => a * b, 1)));
  },
  onFree() {
    console.log(`math ${version}: onFree`);
  },
});
