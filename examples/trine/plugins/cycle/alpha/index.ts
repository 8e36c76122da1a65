/**
 * alpha, a build that imports gamma: alpha → gamma → beta → alpha is a cycle. A reload with it is
 * refused at the `dependencies` stage (`cyclic dependency detected: alpha -> gamma -> beta -> alpha`)
 * before any hook of the new generation runs, and the current generation keeps serving.
 */
import { definePlugin } from 'hotswap/plugin';
import type { AlphaExports, Chain } from '../../../exports.js';

interface GammaExports {
  chain(name: string): Chain;
}

let version = '?';

export default definePlugin.withTypes<{ deps: { gamma: GammaExports }; exports: AlphaExports }>()({
  import: ['gamma'],
  onLoad(_data, ctx) {
    version = ctx.version;
    console.log(`alpha ${version}: onLoad`);
  },
  export: (ctx) => ({
    describe: () => `alpha ${ctx.version}`,
    greet: (name) => `hello, ${name}, says ${ctx.deps.gamma.chain('alpha').path}`,
  }),
  onFree() {
    console.log(`alpha ${version}: onFree`);
  },
});
