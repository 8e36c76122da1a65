/**
 * alpha v2: a new greeting. Only alpha is rebuilt; the reload loads beta and gamma afresh from
 * their unchanged artifacts, so that they bind to these exports.
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
    greet: (name) => `hi there, ${name}`,
  }),
  onFree() {
    console.log(`alpha ${version}: onFree`);
  },
});
