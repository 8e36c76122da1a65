/**
 * hotswap's loader installed in the test process itself, exactly as `--import hotswap/register`
 * installs it: ES modules imported from now on and CommonJS modules required from now on are
 * instrumented for redirection. A test file runs in a process of its own, so nothing leaks.
 */
export async function installRedirectLoader(): Promise<void> {
  await import('../../src/typescript/register.js');
}
