/**
 * The names instrumented code uses. All start with one prefix that a module must not use itself
 * (instrumenting refuses one that does), so they never shadow or capture the module's own names.
 */
export const NAMES = {
  prefix: '__hotswap$',
  /** The module's slot array (a `var`: a function called before the module body ran sees undefined). */
  slots: '__hotswap$S',
  /** The filled slot a stub forwards to. */
  forward: '__hotswap$r',
  /** The text an evaluator compiles. */
  text: '__hotswap$t',
  /** A setter's parameter in a closure's handed-over variables. */
  value: '__hotswap$v',
  /** The handed-over variables, in a closure's new implementation. */
  env: '__hotswap$env',
  /** The call's arguments, in a closure's new implementation. */
  args: '__hotswap$args',
  /** The call's `new.target`, in a closure's new implementation. */
  newTarget: '__hotswap$nt',
  /** The functions a patch adds, in the new implementations that use them. */
  helpers: '__hotswap$h',
} as const;

/** The global symbol (`Symbol.for`) under which each thread's redirection runtime lives. */
export const GLOBAL_KEY = 'hotswap.redirect';
