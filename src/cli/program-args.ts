/**
 * The Node options a program gets when hotswap runs it (`hotswap run`, `hotswap dev`): source maps,
 * the lifeline first (held even while the loader starts), hotswap's loader, and, unless left out,
 * the control server with its hotfix engine. `--import` arguments are file: URLs: a Windows path
 * (C:\...) would be read as a URL scheme.
 */

/** The `--import` argument that registers the TypeScript loader. */
const REGISTER_MODULE = new URL('../typescript/register.js', import.meta.url).href;
/** The `--import` argument that holds the lifeline in the program. */
const LIFELINE_MODULE = new URL('./lifeline-preload.js', import.meta.url).href;
/** The `--import` argument that starts the control server in the program. */
const CONTROL_MODULE = new URL('../control/run-preload.js', import.meta.url).href;

export function programNodeArgs(options: { readonly control: boolean }): string[] {
  const control = options.control ? ['--import', CONTROL_MODULE] : [];
  return ['--enable-source-maps', '--import', LIFELINE_MODULE, '--import', REGISTER_MODULE, ...control];
}
