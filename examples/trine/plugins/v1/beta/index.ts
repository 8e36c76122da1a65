/**
 * beta: imports alpha (`ctx.deps.alpha`) and exports alpha's greeting with itself in the path.
 * Never rebuilt in the demo: when alpha is, beta is loaded afresh from this same artifact (a new
 * instance, module state starting empty) so that it holds the new alpha's exports.
 */
import { definePlugin } from 'hotswap/plugin';
import type { AlphaExports, BetaExports } from '../../../exports.js';

let version = '?';

export default definePlugin.withTypes<{ deps: { alpha: AlphaExports }; exports: BetaExports }>()({
  import: ['alpha'],
  onLoad(_data, ctx) {
    version = ctx.version;
    console.log(`beta ${version}: onLoad, bound to ${ctx.deps.alpha.describe()}`);
  },
  export: (ctx) => {
    const alpha = ctx.deps.alpha;
    return {
      describe: () => `beta ${ctx.version} -> ${alpha.describe()}`,
      greet: (name) => alpha.greet(name),
    };
  },
  onFree() {
    console.log(`beta ${version}: onFree`);
  },
});
