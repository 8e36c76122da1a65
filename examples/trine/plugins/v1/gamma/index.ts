/**
 * gamma: imports beta, and offers the host `chain(name)`: a call that goes through beta to alpha.
 * Never rebuilt in the demo: it is loaded afresh when alpha (which beta imports) is reloaded.
 */
import { definePlugin } from 'hotswap/plugin';
import type { BetaExports, Chain } from '../../../exports.js';

let version = '?';
/** Bound in onLoad: this instance's beta, for the functions the host calls. */
let beta: BetaExports | undefined;

export default definePlugin.withTypes<{ deps: { beta: BetaExports }; exports: { chain: (name: string) => Chain } }>()({
  import: ['beta'],
  onLoad(_data, ctx) {
    version = ctx.version;
    beta = ctx.deps.beta;
    console.log(`gamma ${version}: onLoad, bound to ${beta.describe()}`);
  },
  // What a plugin importing gamma would get (alpha's cyclic build does).
  export: () => ({ chain }),
  onFree() {
    console.log(`gamma ${version}: onFree`);
    beta = undefined;
  },
  functions: { chain },
});

function chain(name: string): Chain {
  if (beta === undefined) throw new Error(`gamma ${version} is not loaded`);
  return { path: `gamma ${version} -> ${beta.describe()}`, greeting: beta.greet(name) };
}
