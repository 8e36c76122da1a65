/**
 * `node --import hotswap/register app.ts`: runs TypeScript through hotswap's own loader, which
 * records how each file was transformed so the hotfix engine can patch .ts files later, and
 * instruments the app's modules (ES modules and CommonJS, .ts and .js) so that the hotfix engine
 * can redirect their functions without LiveEdit (see src/hotfix/redirect). `HOTSWAP_REDIRECT=off`
 * leaves the code as it is.
 *
 * The hooks run in the thread itself where Node has `module.registerHooks` (22.15+; Node 26
 * deprecates `module.register`), else on Node's loader thread (Node 20).
 */
import * as nodeModule from 'node:module';
import { installCommonJsHook } from '../hotfix/redirect/cjs-hook.js';
import { redirectOptionsFromEnv } from '../hotfix/redirect/loader.js';
import { redirectRuntime } from '../hotfix/redirect/runtime.js';
import { threadAgent } from '../hotfix/redirect/agent.js';

const options = redirectOptionsFromEnv();
if (options.enabled) {
  // Before any instrumented module runs: they register with it as they start.
  redirectRuntime();
  // Tells the other threads which instrumented files this one loads, and takes their patches.
  threadAgent();
  installCommonJsHook(options);
}

type RegisterHooks = (hooks: { resolve: unknown; load: unknown }) => unknown;
const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
if (typeof registerHooks === 'function') {
  const { resolveSync, loadSync } = await import('./hooks.js');
  registerHooks({ resolve: resolveSync, load: loadSync });
} else {
  nodeModule.register('./hooks.js', import.meta.url);
}
