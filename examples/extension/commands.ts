/**
 * The extension of the extension demo: each generation's vault gets a fresh command table, which
 * every plugin of that generation fills in `onVault`; the host answers a command line by looking
 * the command up in the current generation's table (`manager.vault.extension`).
 *
 * Types only: the host imports them, and so do the plugins (`import type`, erased by the build).
 */

/** One command, as a plugin registers it. */
export interface Command {
  /** Who registered it: shows which version answers. */
  readonly plugin: string;
  readonly version: string;
  readonly help: string;
  run(args: readonly string[]): string;
}

/** `PluginManager<CommandTable>`: the host's `extension()` factory returns a new one per generation. */
export interface CommandTable {
  readonly commands: Map<string, Command>;
}
