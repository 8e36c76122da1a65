/**
 * Types the slink app (main.ts) and its plugins share. Types only: the plugins import them with
 * `import type`, erased by every compiler.
 */

/** store's exports (`ctx.deps.store` in notes). */
export interface StoreExports {
  add(text: string): number;
  get(id: number): string | undefined;
  list(): { id: number; text: string }[];
}

/** The app's extension (`PluginManager<NotesExtension>`): where a live function reports what it formatted. */
export interface NotesExtension {
  formatted(text: string): void;
}
