/**
 * What the trine plugins export to each other (`export()` → `ctx.deps`): gamma imports beta, beta
 * imports alpha. Types only, shared by the plugins (`import type`, erased by the build) and the host.
 */

/** alpha's exports. */
export interface AlphaExports {
  /** e.g. `alpha v1` */
  describe(): string;
  greet(name: string): string;
}

/** beta's exports: alpha's, passed on, with beta in front. */
export interface BetaExports {
  /** e.g. `beta v1 -> alpha v1` */
  describe(): string;
  greet(name: string): string;
}

/** What `manager.invoke('gamma', 'chain', name)` returns. */
export interface Chain {
  /** Who answered, from gamma down: `gamma v1 -> beta v1 -> alpha v2`. */
  readonly path: string;
  readonly greeting: string;
}
