/**
 * `node --import hotswap/register app.ts`: runs TypeScript through hotswap's own loader, which
 * records how each file was transformed so the hotfix engine can patch .ts files later, and
 * instruments the app's modules (ES modules and CommonJS, .ts and .js) so that the hotfix engine
 * can redirect their functions without LiveEdit (see src/hotfix/redirect). `HOTSWAP_REDIRECT=off`
 * leaves the code as it is.
 */
import { register } from 'node:module';
import { installCommonJsHook } from '../hotfix/redirect/cjs-hook.js';
import { redirectOptionsFromEnv } from '../hotfix/redirect/loader.js';
import { redirectRuntime } from '../hotfix/redirect/runtime.js';

const options = redirectOptionsFromEnv();
if (options.enabled) {
  // Before any instrumented module runs: they register with it as they start.
  redirectRuntime();
  installCommonJsHook(options);
}
register('./hooks.js', import.meta.url);
