/**
 * hotswap's loader installed in the test process itself, as `--import hotswap/register` would
 * install it: ES modules imported from now on and CommonJS modules required from now on are
 * instrumented for redirection. A test file runs in a process of its own, so nothing leaks.
 */
import { register } from 'node:module';
import { installCommonJsHook } from '../../src/hotfix/redirect/cjs-hook.js';
import { redirectOptionsFromEnv } from '../../src/hotfix/redirect/loader.js';
import { redirectRuntime } from '../../src/hotfix/redirect/runtime.js';

export function installRedirectLoader(): void {
  redirectRuntime();
  installCommonJsHook(redirectOptionsFromEnv({}));
  register(new URL('../../src/typescript/hooks.js', import.meta.url).href);
}
