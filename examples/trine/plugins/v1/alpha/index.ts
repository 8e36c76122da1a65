/**
 * alpha v1, the bottom of the chain gamma → beta → alpha. It imports nothing and exports a
 * greeting. Rebuilding it makes a reload load beta and gamma afresh too, bound to its new exports.
 */
import { definePlugin } from 'hotswap/plugin';
import type { AlphaExports } from '../../../exports.js';

let version = '?';

export default definePlugin.withTypes<{ exports: AlphaExports }>()({
  onLoad(_data, ctx) {
    version = ctx.version;
    console.log(`alpha ${version}: onLoad`);
  },
  export: (ctx) => ({
    describe: () => `alpha ${ctx.version}`,
    greet: (name) => `hello, ${name}`,
  }),
  onFree() {
    console.log(`alpha ${version}: onFree`);
  },
});
